// SPDX-License-Identifier: EUPL-1.2
#include "gateway/ctl.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "codecs/errc.hpp"
#include "common/version.hpp"
#include "ctl_keys.hpp"
#include "gateway/client.hpp"
#include "gateway/config.hpp"
#include "pgstore/pgstore.hpp"
#include "pipeline.hpp"
#include "storage/admin.hpp"
#include "storage/store.hpp"
#include "wiring.hpp"

namespace jubes::gateway {
using namespace detail;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "usage: jubesctl [--config FILE] [--data-dir DIR] [--listen HOST:PORT] COMMAND\n"
    "  validate [--xsd ENTRY.xsd]... FILE...\n"
    "  route explain FILE\n"
    "  routes reload\n"
    "  outbox list\n"
    "  parked list\n"
    "  parked reroute [ID|--all]\n"
    "  backup DIR\n"
    "  backup verify DIR\n"
    "  check\n"
    "  db migrate\n"
    "  init\n"
    "  keys rotate [--reencrypt]\n"
    "  purge\n"
    "  stats\n"
    "jubesctl --version   print the version and git revision\n"
    "jubesctl --help      print this text\n";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream o;
  o << in.rdbuf();
  out = o.str();
  return true;
}

class ctl {
 public:
  ctl(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}

  int fail(const std::string& cause) {
    err_ << "jubesctl: " << cause << "\n";
    return 1;
  }

  int run(std::vector<std::string> args) {
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
      const auto& a = args[i];
      if ((a == "--config" || a == "--data-dir" || a == "--listen") && i + 1 < args.size()) {
        if (a == "--config") config_file_ = args[i + 1];
        if (a == "--data-dir") ov_.data_dir = args[i + 1];
        if (a == "--listen") ov_.listen = args[i + 1];
        ++i;
      } else if (a == "--help" || a == "-h") {
        out_ << kUsage;
        return 0;
      } else if (a == "--version") {
        out_ << version_line("jubesctl") << "\n";
        return 0;
      } else {
        break;
      }
    }
    std::vector<std::string> cmd(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    if (cmd.empty()) {
      err_ << kUsage;
      return 2;
    }
    const std::string& c = cmd[0];
    std::string sub = cmd.size() > 1 ? cmd[1] : "";
    static const char* known[] = {"validate", "route", "routes", "outbox", "parked", "backup",
                                  "check",    "purge", "stats",  "init",   "db",     "keys"};
    if (std::find(std::begin(known), std::end(known), c) == std::end(known)) {
      err_ << "jubesctl: unknown command '" << c << "'\n" << kUsage;
      return 2;
    }
    if (c == "validate") return validate(cmd);
    if (!load()) return 1;
    if (c == "route" && sub == "explain" && cmd.size() == 3) return route_explain(cmd[2]);
    if (c == "routes" && sub == "reload" && cmd.size() == 2) return routes_reload();
    if (c == "outbox" && sub == "list" && cmd.size() == 2) return outbox_list();
    if (c == "parked" && sub == "list" && cmd.size() == 2) return parked_list();
    if (c == "parked" && sub == "reroute" && cmd.size() == 3) return parked_reroute(cmd[2]);
    if (c == "backup" && sub == "verify" && cmd.size() == 3) return backup_verify(cmd[2]);
    if (c == "backup" && cmd.size() == 2) return backup(sub);
    if (c == "init" && cmd.size() == 1) return init();
    if (c == "db" && sub == "migrate" && cmd.size() == 2) return db_migrate();
    if (c == "check" && cmd.size() == 1) return check();
    if (c == "purge" && cmd.size() == 1) return purge();
    if (c == "stats" && cmd.size() == 1) return stats();
    if (c == "keys")
      if (int rc = run_keys(*cfg_, cmd, out_,
                            {[this](const std::string& m) { return fail(m); },
                             [this](const std::string& m, const std::string& t) { return admin(m, t); }});
          rc != 2)
        return rc;
    err_ << "jubesctl: unknown command '" << c << (sub.empty() ? "" : " " + sub) << "'\n" << kUsage;
    return 2;
  }

 private:
  bool load() {
    if (cfg_) return true;
    auto r = load_config(config_file_, ov_);
    if (!r) {
      fail("configuration refused: " + r.error().message());
      return false;
    }
    cfg_ = std::move(*r);
    return true;
  }

  // --- validation and routing (the pipeline) -------------------------------------------------

  /// @return the pipeline of `cfg`, or nullptr after printing why not.
  std::unique_ptr<pipeline> open_pipeline(const config& cfg, pipeline_options o = {}) {
    auto p = pipeline::open(cfg, std::move(o));
    if (!p) {
      fail(p.error().message());
      return nullptr;
    }
    return std::move(*p);
  }

  /// One line for a file the pipeline refused: FILE:LINE:COL: CODE: TEXT (at ELEMENT).
  static std::string fault_line(const std::string& file, const refusal& r) {
    std::string out = file + ":" + std::to_string(r.line) + ":" + std::to_string(r.column) + ": " +
                      codecs::to_string(static_cast<codecs::errc>(r.error.code.value())) + ": " + r.error.message();
    if (!r.element_path.empty()) out += " (at " + r.element_path + ")";
    return out;
  }

  int validate(const std::vector<std::string>& cmd) {
    pipeline_options o;
    o.load_routes = false;
    std::vector<std::string> files;
    for (std::size_t i = 1; i < cmd.size(); ++i) {
      if (cmd[i] == "--xsd" && i + 1 < cmd.size())
        o.adhoc_xsds.emplace_back(cmd[++i]);
      else
        files.push_back(cmd[i]);
    }
    if (files.empty()) return fail("validate: no FILE given");
    if (o.adhoc_xsds.empty() && !load()) return 1;
    const config none;  // --xsd: the schemas given, no configuration
    auto pipe = open_pipeline(o.adhoc_xsds.empty() ? *cfg_ : none, o);
    if (!pipe) return 1;
    int bad = 0;
    for (const auto& f : files) {
      std::string body;
      if (!read_file(f, body)) {
        out_ << f << ": cannot read file\n";
        ++bad;
        continue;
      }
      auto p = pipe->validate(body);
      if (!p) {
        out_ << fault_line(f, p.error()) << "\n";
        ++bad;
        continue;
      }
      const auto& env = p->env;
      out_ << f << ": OK type=" << env.message_type << " schema_set=" << env.schema_set
           << " berichtcode=" << env.berichtcode << " zender=" << env.zender_organisatie << "/" << env.zender_applicatie
           << " referentienummer=" << env.referentienummer << "\n";
    }
    return bad ? 1 : 0;
  }

  int route_explain(const std::string& file) {
    auto pipe = open_pipeline(*cfg_);
    if (!pipe) return 1;
    std::string body;
    if (!read_file(file, body)) return fail(file + ": cannot read file");
    auto text = pipe->explain(body);
    if (!text) {
      const auto& r = text.error();
      return fail(file + ":" + std::to_string(r.line) + ":" + std::to_string(r.column) + ": " + r.error.message());
    }
    out_ << *text;
    return 0;
  }

  // --- the running gateway -----------------------------------------------------------------------

  /// A client with the operator certificate of the PKI dir, to the configured API listener.
  client operator_client() {
    client_options o;
    o.host = cfg_->listen.host == "0.0.0.0" ? "127.0.0.1" : cfg_->listen.host == "::" ? "::1" : cfg_->listen.host;
    o.port = cfg_->listen.port;
    o.ca = cfg_->tls_ca;
    o.cert = cfg_->pki_dir / "clients" / "operator.crt";
    o.key = cfg_->pki_dir / "clients" / "operator.key";
    o.timeout = std::chrono::seconds(120);
    return client(o);
  }

  /// Sends an admin request. @return exit code; prints the body.
  int admin(const std::string& method, const std::string& target) {
    auto c = operator_client();
    auto r = c.request(method, target, "", "text/plain");
    if (!r) return fail("cannot reach jubesd at " + cfg_->listen.text() + ": " + r.error().message());
    out_ << r->body;
    if (!r->body.empty() && r->body.back() != '\n') out_ << "\n";
    if (r->status >= 300) return fail(method + " " + target + ": HTTP " + std::to_string(r->status));
    return 0;
  }

  /// Opens the store for writing if no jubesd holds it. @return nullopt-store + locked=true if one does.
  std::unique_ptr<storage::store> open_exclusive(bool& locked, int& rc) {
    locked = false;
    auto so = options(rc);
    if (!so) return nullptr;
    so->retention_interval = std::chrono::milliseconds(0);
    auto s = storage::store::open(*so);
    if (!s) {
      if (s.error() == storage::errc::locked) {
        locked = true;
      } else {
        rc = fail("store " + so->dir.string() + ": " + s.error().message());
      }
      return nullptr;
    }
    return std::move(*s);
  }

  /// The LMDB store's options with its KEK read. @return nullopt, rc set, when the KEK is refused.
  std::optional<storage::options> options(int& rc) {
    auto so = lmdb_options(*cfg_);
    if (!so) {
      rc = fail(so.error().message());
      return std::nullopt;
    }
    return std::move(*so);
  }

  /// The store for reading: the LMDB store read-only (works while jubesd runs), or the PostgreSQL
  /// store (shared with the running nodes).
  std::unique_ptr<storage::backend> open_readonly(int& rc) {
    if (uses_postgresql(*cfg_)) {
      auto po = pg_options(*cfg_);
      po.retention_interval = std::chrono::milliseconds(0);
      auto s = pgstore::store::open(po);
      if (!s) {
        rc = fail("store (postgresql): " + s.error().message());
        return nullptr;
      }
      return std::move(*s);
    }
    auto so = options(rc);
    if (!so) return nullptr;
    auto s = storage::store::open_readonly(so->dir, storage::open_check::structure, so->at_rest);
    if (!s) {
      rc = fail("store " + so->dir.string() + ": " + s.error().message());
      return nullptr;
    }
    return std::move(*s);
  }

  int routes_reload() {
    if (uses_postgresql(*cfg_)) return admin("POST", "/v1/admin/routes/reload");
    bool locked = false;
    int rc = 0;
    {
      auto s = open_exclusive(locked, rc);
      if (rc) return rc;
    }
    if (locked) return admin("POST", "/v1/admin/routes/reload");
    // No jubesd: nothing to reload, but say whether the file would load.
    auto pipe = open_pipeline(*cfg_);
    if (!pipe) return 1;
    auto t = pipe->routes()->table;
    out_ << "jubesd is not running; " << cfg_->routes_file.string() << " compiles (version " << t->version() << ", "
         << t->rule_count() << " rules) and will be used at the next start\n";
    return 0;
  }

  int outbox_list() {
    int rc = 0;
    auto s = open_readonly(rc);
    if (!s) return rc;
    auto rows = storage::admin::outbox_list(*s, now_ms());
    if (!rows) return fail("outbox list: " + rows.error().message());
    out_ << storage::admin::to_text(*rows);
    return 0;
  }

  int parked_list() {
    int rc = 0;
    auto s = open_readonly(rc);
    if (!s) return rc;
    auto rows = storage::admin::parked_list(*s);
    if (!rows) return fail("parked list: " + rows.error().message());
    out_ << storage::admin::to_text(*rows);
    return 0;
  }

  int parked_reroute(const std::string& which) {
    std::string q;
    if (which == "--all") {
      q = "all=1";
    } else if (!which.empty() && which.find_first_not_of("0123456789") == std::string::npos) {
      q = "id=" + which;
    } else {
      return fail("parked reroute: give a message id or --all");
    }
    // PostgreSQL: the store is shared, so the running gateway re-routes with its own routes.
    if (uses_postgresql(*cfg_)) return admin("POST", "/v1/admin/parked/reroute?" + q);
    bool locked = false;
    int rc = 0;
    auto s = open_exclusive(locked, rc);
    if (rc) return rc;
    if (locked) return admin("POST", "/v1/admin/parked/reroute?" + q);
    return reroute_offline(*s, which == "--all" ? std::nullopt : std::optional(std::stoull(which)));
  }

  /// Re-routes parked messages on the store directly (no jubesd running).
  int reroute_offline(storage::store& s, std::optional<std::uint64_t> only_id) {
    auto pipe = open_pipeline(*cfg_);
    if (!pipe) return 1;
    auto plan = pipe->plan_reroute(s, only_id);
    if (!plan) return fail(plan.error().message());
    std::promise<reroute_report> done;
    auto fut = done.get_future();
    pipeline::reroute(s, std::move(*plan), [&done](reroute_report r) { done.set_value(std::move(r)); });
    auto report = fut.get();
    out_ << report.text;
    return report.failed ? fail(std::to_string(report.failed) + " message(s) not rerouted") : 0;
  }

  int backup(const std::string& dir) {
    if (dir.empty()) return fail("backup: give a target DIR");
    int rc = 0;
    auto s = open_readonly(rc);
    if (!s) return rc;
    if (auto r = storage::admin::backup(*s, dir); !r) return fail("backup to " + dir + ": " + r.error().message());
    out_ << "backup written to " << dir << "\n";
    return 0;
  }

  int check() {
    // In a child process: a store damaged in LMDB's own page structure can crash LMDB itself;
    // check reports that as a problem instead of dying (storage::admin::check_isolated).
    storage::check_report r;
    if (uses_postgresql(*cfg_)) {
      int rc = 0;
      auto s = open_readonly(rc);
      if (!s) return rc;
      r = s->check();
    } else {
      int rc = 0;
      auto so = options(rc);
      if (!so) return rc;
      r = storage::admin::check_isolated(so->dir, so->at_rest);
    }
    out_ << storage::admin::to_text(r);
    return r.ok() ? 0 : fail("check found " + std::to_string(r.problems.size()) + " problem(s)");
  }

  int purge() {
    if (uses_postgresql(*cfg_)) return admin("POST", "/v1/admin/purge");
    bool locked = false;
    int rc = 0;
    {
      auto s = open_exclusive(locked, rc);
      if (rc) return rc;
    }
    if (locked) return admin("POST", "/v1/admin/purge");
    auto so = options(rc);
    if (!so) return rc;
    so->retention_interval = std::chrono::milliseconds(0);
    auto r = storage::admin::purge_offline(*so);
    if (!r) return fail("purge: " + r.error().message());
    out_ << storage::admin::to_text(*r);
    return 0;
  }

  int backup_verify(const std::string& dir) {
    if (auto r = storage::admin::verify_backup(dir); !r) return fail("backup " + dir + ": " + r.error().message());
    out_ << "backup " << dir << " is complete: its data.mdb matches its MANIFEST\n";
    return 0;
  }

  /// Makes a new, empty store where none is (or where data.mdb is empty): the operator's explicit
  /// choice, since an empty data directory that once held a store must not silently start afresh.
  int init() {
    if (uses_postgresql(*cfg_))
      return fail("init: store.backend is postgresql: create or upgrade its schema with `jubesctl db migrate`");
    int rc = 0;
    auto so = options(rc);
    if (!so) return rc;
    if (auto r = storage::admin::initialise(*so); !r)
      return fail("init " + so->dir.string() + ": " + r.error().message());
    out_ << "initialised a new store in " << so->dir.string() << "\n";
    return 0;
  }

  /// Applies the PostgreSQL schema migrations this build carries (store.backend: postgresql).
  int db_migrate() {
    if (!uses_postgresql(*cfg_))
      return fail("db migrate: store.backend is lmdb; only the postgresql backend has a schema to migrate");
    auto r = pgstore::migrate(cfg_->store.postgresql_conninfo);
    if (!r) return fail("db migrate: " + r.error().message());
    if (r->from == r->to)
      out_ << "schema is up to date (version " << r->to << ")\n";
    else
      out_ << "schema migrated from version " << r->from << " to " << r->to << "\n";
    return 0;
  }

  int stats() {
    int rc = 0;
    auto s = open_readonly(rc);
    if (!s) return rc;
    auto st = s->stats();
    if (!st) return fail("stats: " + st.error().message());
    out_ << storage::admin::to_text(*st);
    return 0;
  }

  std::ostream& out_;
  std::ostream& err_;
  std::string config_file_ = "conf/jubes.yaml";
  config_overrides ov_ = [] {
    config_overrides o;
    o.require_tls_files = false;
    return o;
  }();
  std::optional<config> cfg_;
};

}  // namespace

int run_ctl(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    ctl c(out, err);
    return c.run(std::move(args));
  } catch (const std::exception& e) {
    err << "jubesctl: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace jubes::gateway
