// SPDX-License-Identifier: EUPL-1.2
#include "support.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "pg_server.hpp"
#include "pgstore/pgstore.hpp"

namespace jubes::e2e {
using namespace std::chrono_literals;

std::string slurp(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec) ? testing::read_file(p) : std::string();
}

gateway::http_reply call(gateway::client& c, const std::string& method, const std::string& target,
                         const std::string& body, const std::string& ct) {
  auto r = c.request(method, target, body, ct);
  EXPECT_TRUE(r) << method << " " << target << ": " << r.error().message();
  return r ? *r : gateway::http_reply{};
}

int count_of(const std::string& s, const std::string& what) {
  int n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

double metric_value(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

std::string example(const std::string& type) {
  return slurp(std::string(JUBES_SOURCE_DIR) + "/conf/examples/" + type + ".xml");
}

std::string with_ref(std::string xml, const std::string& ref) {
  static const std::regex re("<dti:referentienummer>[^<]*</dti:referentienummer>");
  return std::regex_replace(xml, re, "<dti:referentienummer>" + ref + "</dti:referentienummer>",
                            std::regex_constants::format_first_only);
}

std::string unroutable(const std::string& ref) {
  return std::regex_replace(with_ref(example("piBeeindiging"), ref),
                            std::regex("<dti:gemeentecode>[0-9]{4}</dti:gemeentecode>"),
                            "<dti:gemeentecode>0184</dti:gemeentecode>");
}

const fs::path& pki() {
  // One PKI per build tree, shared by every test process: dev-pki is idempotent, and flock keeps
  // parallel CTest processes from building it twice at once.
  static fs::path p = [] {
    fs::path out = JUBES_E2E_PKI;
    fs::create_directories(out.parent_path());
    auto r = run({"/usr/bin/flock", out.string() + ".lock", "/bin/bash",
                  std::string(JUBES_SOURCE_DIR) + "/scripts/dev-pki", out.string()},
                 120s);
    if (r.exit_code != 0) {
      std::fprintf(stderr, "dev-pki failed: %s\n", r.output.c_str());
      std::abort();
    }
    return out;
  }();
  return p;
}

std::string test_config(const fs::path& data_dir, const std::string& limits, const std::string& extra) {
  const std::string conf = std::string(JUBES_SOURCE_DIR) + "/conf";
  std::string text = slurp(conf + "/jubes.yaml");
  // Absolute paths: the config file lives in a temp dir.
  text = std::regex_replace(text, std::regex("routes_file: routes.yaml"), "routes_file: " + conf + "/routes.yaml");
  text = std::regex_replace(text, std::regex("gemeenten_file: gemeenten.csv"),
                            "gemeenten_file: " + conf + "/gemeenten.csv");
  text = std::regex_replace(text, std::regex("\\[schemas/"), "[" + conf + "/schemas/");
  text = std::regex_replace(text, std::regex("data_dir: \\.\\./data"), "data_dir: " + data_dir.string());
  text = std::regex_replace(text, std::regex("dashboard_dir: \\.\\./gateway/dashboard"),
                            "dashboard_dir: " + std::string(JUBES_SOURCE_DIR) + "/gateway/dashboard");
  text = std::regex_replace(text, std::regex("\ntls:"), "\ntls:\n  pki_dir: " + pki().string());
  text = std::regex_replace(text, std::regex("io_threads: 0"), "io_threads: 2");
  text = std::regex_replace(text, std::regex("durable: true"), "durable: false");
  // JUBES_E2E_STORE=postgresql (CTest's *_pg runs): the store is a fresh database of this binary's
  // throw-away PostgreSQL, its schema migrated.
  if (const char* b = std::getenv("JUBES_E2E_STORE"); b && std::string(b) == "postgresql") {
    const std::string ci = pgtest::server().create_database();
    if (auto m = pgstore::migrate(ci); !m) throw std::runtime_error("migrate: " + m.error().message());
    text = with_pg_store(std::move(text), ci);
  }
  if (!limits.empty()) {
    // Drop keys of the default file that `limits` sets again (duplicate keys are refused).
    std::istringstream in(limits);
    for (std::string line; std::getline(in, line);) {
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      text = std::regex_replace(text, std::regex("\n" + line.substr(0, colon + 1) + "[^\n]*"), "");
    }
    text = std::regex_replace(text, std::regex("\nlimits:\n"), "\nlimits:\n" + limits);
  }
  return text + extra;
}

std::string with_pg_store(std::string config, const std::string& conninfo) {
  const std::string store = "\nstore:\n";
  const auto at = config.find(store);
  if (at == std::string::npos) throw std::runtime_error("with_pg_store: no store section in the configuration");
  config.insert(at + store.size(), "  backend: postgresql\n  postgresql:\n    conninfo: \"" + conninfo + "\"\n");
  return config;
}

run_result jubesctl_beside(const jubesd& d, const fs::path& config, const fs::path& data,
                           const std::vector<std::string>& args) {
  std::vector<std::string> argv{JUBESCTL_PATH,
                                "--config",
                                config.string(),
                                "--data-dir",
                                data.string(),
                                "--listen",
                                "127.0.0.1:" + std::to_string(d.api_port())};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

run_result run(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  run_result r;
  char tmpl[] = "/tmp/jubes-run-XXXXXX", etmpl[] = "/tmp/jubes-run-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return r;
  int efd = mkstemp(etmpl);
  if (efd < 0) {
    close(fd);
    unlink(tmpl);
    return r;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, 1);
    dup2(efd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fd);
  close(efd);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = slurp(tmpl);
  r.err = slurp(etmpl);
  r.output = r.out + r.err;
  unlink(tmpl);
  unlink(etmpl);
  return r;
}

jubesd::jubesd(const fs::path& config, const fs::path& data_dir) {
  log_ = data_dir.parent_path() / (data_dir.filename().string() + ".jubesd.log");
  int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    execl(JUBESD_PATH, JUBESD_PATH, "--config", config.c_str(), "--data-dir", data_dir.c_str(), "--listen",
          "127.0.0.1:0", "--ops-listen", "127.0.0.1:0", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fd);
  // The "listening" event in either log_format (text key=value, or a JSON object).
  static const std::regex re(
      "INFO gateway listening api=https://[^:]+:([0-9]+)/v1/ .*ops=http://[^:]+:([0-9]+)/|"
      "\"event\":\"listening\",\"api\":\"https://[^:]+:([0-9]+)/v1/\".*\"ops\":\"http://[^:]+:([0-9]+)/");
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string text = slurp(log_);
    if (std::regex_search(text, m, re)) {
      bool text_form = m[1].matched;
      api_port_ = static_cast<std::uint16_t>(std::stoi(m[text_form ? 1 : 3]));
      ops_port_ = static_cast<std::uint16_t>(std::stoi(m[text_form ? 2 : 4]));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
}

jubesd::~jubesd() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

int jubesd::stop(int sig, std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
    std::this_thread::sleep_for(10ms);
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string jubesd::log() const {
  return slurp(log_);
}

gateway::client jubesd::client_for(const std::string& party) const {
  gateway::client_options o;
  o.port = api_port_;
  o.ca = pki() / "ca.crt";
  if (!party.empty()) {
    o.cert = pki() / "clients" / (party + ".crt");
    o.key = pki() / "clients" / (party + ".key");
  }
  return gateway::client(o);
}

gateway::client jubesd::ops_client() const {
  gateway::client_options o;
  o.port = ops_port_;
  o.tls = false;
  return gateway::client(o);
}

std::string jubesd::metrics() const {
  auto c = ops_client();
  auto r = c.request("GET", "/metrics");
  return r ? r->body : std::string();
}

}  // namespace jubes::e2e
