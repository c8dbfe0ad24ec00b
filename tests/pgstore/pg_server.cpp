// SPDX-License-Identifier: EUPL-1.2
#include "pg_server.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace jubes::pgtest {

namespace fs = std::filesystem;

namespace {

fs::path bindir() {
  for (const char* d : {"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"})
    if (fs::exists(fs::path(d) / "postgres")) return d;
  throw std::runtime_error(
      "pg_server: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin "
      "(scripts/install-deps installs postgresql-15)");
}

bool as_root() {
  return ::geteuid() == 0;
}

/// argv, prefixed with `runuser -u postgres --` when running as root.
std::vector<std::string> as_postgres(std::vector<std::string> argv) {
  if (as_root()) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  return argv;
}

/// fork + exec with stdout/stderr into `log`. @return the child's pid
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> a;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("pg_server: fork: ") + std::strerror(errno));
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
    ::setpgid(0, 0);  // not in the test's process group: a Ctrl-C goes to the test, the watchdog stops us
    ::execv(a[0], a.data());
    ::_exit(127);
  }
  return pid;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream o;
  o << in.rdbuf();
  return o.str();
}

void run_ok(const std::vector<std::string>& argv, const fs::path& log, const std::string& step) {
  pid_t pid = spawn(argv, log);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    throw std::runtime_error("pg_server: " + step + " failed:\n" + slurp(log));
}

std::uint16_t free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("pg_server: no free port");
  ::close(s);
  return ntohs(a.sin_port);
}

pid_t postmaster_pid(const fs::path& data) {
  std::ifstream in(data / "postmaster.pid");
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

/// The watchdog: waits until the pipe closes, then stops the server and removes `dir`. Never returns.
[[noreturn]] void watchdog(int read_fd, const fs::path& dir) {
  char b;
  while (::read(read_fd, &b, 1) != 0) {
    if (errno != EINTR) break;
  }
  // Immediate shutdown (SIGQUIT): the data is thrown away, so the shutdown checkpoint (which
  // flushes every database the tests created) would only cost time.
  pid_t pm = postmaster_pid(dir / "data");
  if (pm > 0 && ::kill(pm, SIGQUIT) == 0) {
    for (int i = 0; i < 2000 && ::kill(pm, 0) == 0; ++i) ::usleep(10000);
    if (::kill(pm, 0) == 0) ::kill(pm, SIGKILL);
    for (int i = 0; i < 500 && ::kill(pm, 0) == 0; ++i) ::usleep(10000);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  ::_exit(0);
}

}  // namespace

pg_server::pg_server() {
  const fs::path bin = bindir();
  char tmpl[] = "/tmp/jubes-pg-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error(std::string("pg_server: mkdtemp: ") + std::strerror(errno));
  dir_ = tmpl;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pg_server: pipe");
  watchdog_ = ::fork();
  if (watchdog_ == 0) {
    ::close(p[1]);
    ::setpgid(0, 0);
    watchdog(p[0], dir_);
  }
  ::close(p[0]);
  watchdog_pipe_ = p[1];
  fs::create_directories(dir_ / "sock");
  if (as_root()) {
    run_ok({"/bin/chown", "-R", "postgres:postgres", dir_.string()}, "/dev/null", "chown");
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  }
  const fs::path log = dir_ / "server.log";
  run_ok(as_postgres({(bin / "initdb").string(), "-D", (dir_ / "data").string(), "-U", "postgres", "-A", "trust", "-E",
                      "UTF8", "--locale=C", "--no-sync"}),
         dir_ / "initdb.log", "initdb");
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    spawn(as_postgres({(bin / "postgres").string(), "-D", (dir_ / "data").string(), "-p", std::to_string(port_), "-k",
                       (dir_ / "sock").string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on", "-c",
                       "synchronous_commit=on", "-c", "max_connections=200", "-c", "shared_buffers=64MB", "-c",
                       "logging_collector=off"}),
          log);
    const std::string ci = conninfo("postgres");
    for (int i = 0; i < 600 && PQping(ci.c_str()) != PQPING_OK; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (PQping(ci.c_str()) == PQPING_OK) break;
    if (attempt == 2) throw std::runtime_error("pg_server: the server did not start:\n" + slurp(log));
  }
}

pg_server::~pg_server() {
  stop();
}

void pg_server::stop() {
  if (watchdog_pipe_ >= 0) {
    ::close(watchdog_pipe_);
    watchdog_pipe_ = -1;
  }
  if (watchdog_ > 0) {
    int st = 0;
    ::waitpid(watchdog_, &st, 0);
    watchdog_ = -1;
  }
}

std::string pg_server::conninfo(const std::string& db) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + db + " user=postgres";
}

std::string pg_server::create_database() {
  std::string name = "jt_" + std::to_string(::getpid()) + "_" + std::to_string(++next_db_);
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(conninfo("postgres").c_str()), PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string("pg_server: connect: ") + PQerrorMessage(c.get()));
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(c.get(), ("CREATE DATABASE " + name).c_str()), PQclear);
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    throw std::runtime_error(std::string("pg_server: CREATE DATABASE: ") + PQerrorMessage(c.get()));
  return conninfo(name);
}

namespace {
std::unique_ptr<pg_server>& instance() {
  static std::unique_ptr<pg_server> s;
  return s;
}

class environment : public ::testing::Environment {
 public:
  void SetUp() override { server(); }
  void TearDown() override { instance().reset(); }
};
}  // namespace

pg_server& server() {
  if (!instance()) instance() = std::make_unique<pg_server>();
  return *instance();
}

void install_environment() {
  ::testing::AddGlobalTestEnvironment(new environment);
}

}  // namespace jubes::pgtest
