// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Command line of jubes-bench (PRODUCT.md "Operator interface" plus the options docs/BENCHMARKS.md
// uses). Parsing is a pure function so that tests can check its errors.
#include <cstdint>
#include <string>
#include <vector>

namespace jubes::bench {

struct options {
  std::string target_host = "127.0.0.1", target_port = "8443";
  bool target_set = false;
  std::string pki;
  int connections = 16;
  std::uint64_t count = 0;  ///< 0: not set
  double duration_s = 0;    ///< 0: not set
  double rate = 0;          ///< aggregate messages/s; 0: closed loop
  std::uint64_t seed = 0;
  bool seed_set = false;
  double duplicates = 0;     ///< share of sends that repeat an earlier message of the same party
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

/// @return empty on success, "help" for --help/-h, "version" for --version, else a one-line error
/// naming the option
std::string parse_options(const std::vector<std::string>& args, options& o);

/// @return the usage text
const char* usage();

}  // namespace jubes::bench
