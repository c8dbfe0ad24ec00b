// SPDX-License-Identifier: EUPL-1.2
#pragma once
// A throw-away PostgreSQL 15 for tests: initdb into a fresh temporary directory, the server on
// 127.0.0.1 at a free port with its unix socket in that directory, fsync and synchronous_commit
// on. As root (CI) initdb and postgres run as the `postgres` system user (runuser), since
// postgres refuses to run as root; the directory is chowned to it.
//
// Stopping: a watchdog process, forked before the server starts, waits on a pipe that only this
// process holds; when stop() closes it, or when this process dies in any way (a failed
// assertion, an abort, SIGKILL), the watchdog shuts the server down (immediate shutdown, then
// SIGKILL after 20 s) and removes the directory. No server outlives its test binary.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace jubes::pgtest {

class pg_server {
 public:
  /// Starts the server; throws std::runtime_error naming the step that failed (with its log).
  /// Call it while the process has no other threads (it forks).
  pg_server();
  ~pg_server();
  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  /// A libpq connection string for database `db` as the superuser.
  std::string conninfo(const std::string& db) const;
  /// Creates a new, empty database. @return its connection string
  std::string create_database();
  std::uint16_t port() const noexcept { return port_; }
  const std::filesystem::path& dir() const noexcept { return dir_; }
  /// Stops the server and removes its directory (waits for the watchdog). Idempotent.
  void stop();

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t watchdog_ = -1;
  int watchdog_pipe_ = -1;  // write end; closing it tells the watchdog to stop the server
  int next_db_ = 0;
};

/// The server of this test binary: started by the first call (or by install_environment()).
pg_server& server();

/// Registers a GoogleTest global environment that starts server() before the first test and
/// stops it after the last. Call from main() before RUN_ALL_TESTS.
void install_environment();

}  // namespace jubes::pgtest
