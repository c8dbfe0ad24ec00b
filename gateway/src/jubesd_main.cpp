// SPDX-License-Identifier: EUPL-1.2
// jubesd: the gateway daemon. Thin: parse flags, load the config, run the server.
//   jubesd --config FILE [--data-dir DIR] [--listen ADDR:PORT] [--ops-listen ADDR:PORT] [--log-level LEVEL]
//   jubesd --check-config --config FILE
//   jubesd --print-config-doc
//   jubesd --version | --help
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/version.hpp"
#include "dashboard/dashboard.hpp"
#include "gateway/config.hpp"
#include "gateway/server.hpp"

namespace {
using namespace jubes;

constexpr const char* kUsage =
    "usage: jubesd --config FILE [--data-dir DIR] [--listen ADDR:PORT] [--ops-listen ADDR:PORT]\n"
    "              [--log-level debug|info|warn|error]\n"
    "       jubesd --check-config --config FILE [--data-dir DIR]\n"
    "       jubesd --print-config-doc\n"
    "       jubesd --version   print the version and git revision, exit 0\n"
    "       jubesd --help      print this text, exit 0\n";

/// What the command line asks for. `exit_code` set: done already (help, version, usage error).
struct command_line {
  std::string file;
  gateway::config_overrides ov;
  bool check = false;
  std::optional<int> exit_code;
};

command_line parse(int argc, char** argv) {
  command_line c;
  for (int i = 1; i < argc && !c.exit_code; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> v;
    if (a == "--config" && (v = value())) {
      c.file = *v;
    } else if (a == "--data-dir" && (v = value())) {
      c.ov.data_dir = *v;
    } else if (a == "--listen" && (v = value())) {
      c.ov.listen = *v;
    } else if (a == "--ops-listen" && (v = value())) {
      c.ov.ops_listen = *v;
    } else if (a == "--log-level" && (v = value())) {
      c.ov.log_level = *v;
    } else if (a == "--check-config") {
      c.check = true;
    } else if (a == "--version") {
      std::printf("%s\n", version_line("jubesd").c_str());
      c.exit_code = 0;
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      c.exit_code = 0;
    } else if (a == "--print-config-doc") {
      std::fputs(gateway::config_doc_markdown().c_str(), stdout);
      c.exit_code = 0;
    } else {
      std::fprintf(stderr, "jubesd: unknown or incomplete argument '%s'\n%s", a.c_str(), kUsage);
      c.exit_code = 2;
    }
  }
  if (!c.exit_code && c.file.empty()) {
    std::fputs(kUsage, stderr);
    c.exit_code = 2;
  }
  return c;
}

/// --check-config: the same loading and compiling as start, so that OK here means start will not
/// refuse it.
int check_config(const gateway::config& cfg, const std::string& file) {
  if (auto r = gateway::check_config(cfg); !r) {
    std::fprintf(stderr, "jubesd: configuration refused: %s\n", r.error().message().c_str());
    return 1;
  }
  for (const auto& w : gateway::config_warnings(cfg)) std::fprintf(stderr, "jubesd: warning: %s\n", w.c_str());
  std::fprintf(stdout, "jubesd: configuration OK: %s\n", file.c_str());
  return 0;
}

void set_up_logging(const gateway::config& cfg) {
  log::level lvl;
  if (log::parse_level(cfg.log_level, lvl)) log::set_level(lvl);
  log::format fmt;
  if (log::parse_format(cfg.log_format, fmt)) log::set_format(fmt);
  for (const auto& w : gateway::config_warnings(cfg)) log::warn("gateway", "config_warning", {{"detail", w}});
}

/// /dashboard and /events on the ops listener (docs/dashboard.md). The parked view lists ids,
/// source, type and reason from the store's parked list: never contents.
void plug_dashboard(gateway::server& srv, const std::filesystem::path& dashboard_dir) {
  auto parked = [&srv](std::size_t max) -> jubes::result<dashboard::parked_list> {
    auto v = srv.parked(max);
    if (!v) return v.error();
    dashboard::parked_list out{v->total, {}};
    for (auto& r : v->oldest)
      out.rows.push_back({r.message_id, std::move(r.source_party), std::move(r.message_type), std::move(r.park_reason),
                          r.accepted_at_ms});
    return out;
  };
  auto dash = std::make_shared<dashboard::ops_handler>(
      dashboard_dir, [&srv] { return srv.metrics().render(); }, parked, [&srv] { return srv.late_json(); });
  srv.set_ops_hook([dash](std::string_view method, std::string_view target) -> std::optional<gateway::ops_reply> {
    auto r = dash->handle(method, target);
    if (!r) return std::nullopt;
    gateway::ops_reply out{
        r->status, std::move(r->content_type), std::move(r->body), {}, std::chrono::milliseconds(1000)};
    // /events streams one snapshot a second on the same connection (Server-Sent Events).
    if (r->status == 200 && target.substr(0, target.find('?')) == "/events") {
      out.next = [dash]() -> std::optional<std::string> {
        auto n = dash->handle("GET", "/events");
        if (!n || n->status != 200) return std::nullopt;
        return std::move(n->body);
      };
    }
    return out;
  });
}

}  // namespace

int main(int argc, char** argv) {
  auto cl = parse(argc, argv);
  if (cl.exit_code) return *cl.exit_code;
  auto cfg = gateway::load_config(cl.file, cl.ov);
  if (!cfg) {
    std::fprintf(stderr, "jubesd: configuration refused: %s\n", cfg.error().message().c_str());
    return 1;
  }
  if (cl.check) return check_config(*cfg, cl.file);
  set_up_logging(*cfg);
  const auto dashboard_dir = cfg->dashboard_dir;
  gateway::server srv(std::move(*cfg));
  if (auto r = srv.start(); !r) {
    log::error("gateway", "start_failed", {{"reason", r.error().message()}});
    std::fprintf(stderr, "jubesd: cannot start: %s\n", r.error().message().c_str());
    return 1;
  }
  plug_dashboard(srv, dashboard_dir);
  return srv.run();
}
