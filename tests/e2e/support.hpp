// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Shared support of the end-to-end tests: a development PKI made once per test binary with
// scripts/dev-pki, config files in temp dirs, and the real jubesd started as a child process on
// 127.0.0.1 with port 0 (the bound ports are read from its "listening" log line).
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "gateway/client.hpp"
#include "testing/testing.hpp"

namespace jubes::e2e {
namespace fs = std::filesystem;

/// The PKI of this test binary (made on first use). Aborts the test binary if dev-pki fails.
const fs::path& pki();

/// Temporary directories and files come from the shared test library.
using testing::temp_dir;
using testing::write_file;

/// A config for tests: repo conf/ files by absolute path, the test PKI, `extra` YAML appended
/// (top-level keys not already present) and `limits` lines inserted into the limits section.
/// With JUBES_E2E_STORE=postgresql in the environment the store is a fresh, migrated database of
/// the binary's throw-away PostgreSQL (tests/pgstore/pg_server.hpp; main() installs it, see main.cpp).
std::string test_config(const fs::path& data_dir, const std::string& limits = "", const std::string& extra = "");
/// `config` (a test_config text) with the store in PostgreSQL at `conninfo` (store.backend:
/// postgresql); the schema is not touched. Several jubesd started on one such file are nodes of one
/// gateway (their data directories must differ).
std::string with_pg_store(std::string config, const std::string& conninfo);

/// Result of running a command to completion.
struct run_result {
  int exit_code = -1;  // -1: killed by a signal or timed out
  std::string output;  // stdout, then stderr
  std::string out;     // stdout alone
  std::string err;     // stderr alone
};
/// Runs argv (argv[0] a path) with a timeout; captures stdout+stderr.
run_result run(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(60));

/// The real jubesd as a child process.
class jubesd {
 public:
  /// Starts `jubesd --config CONFIG --data-dir DATA --listen 127.0.0.1:0 --ops-listen 127.0.0.1:0` and
  /// waits for its listening line. On failure started() is false and log() says why.
  jubesd(const fs::path& config, const fs::path& data_dir);
  ~jubesd();  // SIGKILL if still running
  bool started() const { return api_port_ != 0; }
  std::uint16_t api_port() const { return api_port_; }
  std::uint16_t ops_port() const { return ops_port_; }
  pid_t pid() const { return pid_; }
  /// Sends `sig` and waits for the exit. @return exit code, or -1 (signal death / timeout).
  int stop(int sig = 15, std::chrono::seconds timeout = std::chrono::seconds(30));
  std::string log() const;

  /// A client with a party's certificate from the test PKI (party "" : no client certificate).
  gateway::client client_for(const std::string& party) const;
  gateway::client ops_client() const;
  /// @return the body of GET /metrics on the ops listener ("" if it cannot be read)
  std::string metrics() const;

 private:
  pid_t pid_ = -1;
  fs::path log_;
  std::uint16_t api_port_ = 0, ops_port_ = 0;
};

/// `jubesctl --config CONFIG --data-dir DATA --listen 127.0.0.1:<d's API port> ARGS`: the jubesctl of an
/// operator beside the running gateway `d` (it reaches d for what it must not do on the store itself).
run_result jubesctl_beside(const jubesd& d, const fs::path& config, const fs::path& data,
                           const std::vector<std::string>& args);

/// Reads a file into a string ("" if it cannot be read).
std::string slurp(const fs::path& p);

/// One request on `c`; a transport error fails the test. @return the reply (status 0 after an error)
gateway::http_reply call(gateway::client& c, const std::string& method, const std::string& target,
                         const std::string& body = "", const std::string& ct = "application/xml");

/// @return how many times `what` occurs in `s` (e.g. "<entry " in an outbox batch)
int count_of(const std::string& s, const std::string& what);

/// @return the value of the series `series` (name with labels, as rendered) in the metrics `text`, or -1
double metric_value(const std::string& text, const std::string& series);

/// @return conf/examples/TYPE.xml
std::string example(const std::string& type);
/// @return `xml` with its (first) referentienummer set to `ref`
std::string with_ref(std::string xml, const std::string& ref);
/// A BIJ-worthy piBeeindiging whose municipality (Urk, 0184) does not take part in BIJ: the default table
/// routes it to nobody and parks it. (A notice that is not BIJ-worthy is stored, counted and not parked.)
std::string unroutable(const std::string& ref);

}  // namespace jubes::e2e
