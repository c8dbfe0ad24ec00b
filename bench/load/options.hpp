// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Command line of jubes-bench (PRODUCT.md "Operator interface" plus the options docs/BENCHMARKS.md
// uses). Parsing is a pure function so that tests can check its errors.
#include <cstdint>
#include <string>
#include <vector>

namespace jubes::bench {

/// HOST:PORT of a gateway node.
struct endpoint {
  std::string host, port;
  std::string str() const { return host + ":" + port; }
};

struct options {
  std::vector<endpoint> targets;  ///< --target, repeatable: the gateway nodes, in command-line order
  std::string pki;
  int connections = 16;
  std::uint64_t count = 0;  ///< 0: not set
  double duration_s = 0;    ///< 0: not set
  double rate = 0;          ///< aggregate messages/s; 0: closed loop
  std::uint64_t seed = 0;
  bool seed_set = false;
  double duplicates = 0;     ///< share of sends that repeat an earlier message of the same party
  double corrections = 0;    ///< share of fresh posts that correct or withdraw an acknowledged notice (< 1)
  double plan_fraction = 0;  ///< share of messages that carry a 1 MiB plan
  std::size_t size = 2048;   ///< approximate size of an ordinary message
  std::string record, replay;
  bool verify = false;
  bool poll = false;
  int poll_max = 100;              ///< entries per poll (max=)
  int poll_wait_s = 1;             ///< long-poll wait while senders run
  int idle_polls = 0;              ///< extra connections that only hold a long poll open (memory benchmark)
  std::string ops_host, ops_port;  ///< --ops HOST:PORT: print the gateway's own figures at the end
  int threads = 1;
  double timeout_s = 30;
  std::string serve_trivial;  ///< --serve-trivial ADDR:PORT
  bool quiet = false;
};

/// How connections are spread over several --target nodes: round robin by connection number, and a
/// connection whose node fails (no reply) moves to the next node, as a client of a cluster does.
/// A pure function of its inputs (tests/load/bench_core_test.cpp).
struct spread {
  std::size_t targets = 1;
  /// @return the node connection number `index` starts on
  std::size_t first(std::size_t index) const { return targets ? index % targets : 0; }
  /// @return the node to try after `current` gave no reply
  std::size_t after_failure(std::size_t current) const { return targets ? (current + 1) % targets : 0; }
  /// @return how many times a message that got no reply is sent again, each time on the next node
  ///         (0 with one node: a lost reply is recorded as such, scripts/soak relies on it)
  int failover_attempts() const { return targets > 1 ? static_cast<int>(3 * targets) : 0; }
};

/// @return empty on success, "help" for --help/-h, "version" for --version, else a one-line error
/// naming the option
std::string parse_options(const std::vector<std::string>& args, options& o);

/// @return the usage text
const char* usage();

}  // namespace jubes::bench
