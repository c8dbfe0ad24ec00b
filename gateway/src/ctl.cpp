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

#include "codecs/codecs.hpp"
#include "gateway/client.hpp"
#include "gateway/config.hpp"
#include "routing/table.hpp"
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
    "  check\n"
    "  purge\n"
    "  stats\n";

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
    static const char* known[] = {"validate", "route", "routes", "outbox", "parked",
                                  "backup",   "check", "purge",  "stats"};
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
    if (c == "backup" && cmd.size() == 2) return backup(sub);
    if (c == "check" && cmd.size() == 1) return check();
    if (c == "purge" && cmd.size() == 1) return purge();
    if (c == "stats" && cmd.size() == 1) return stats();
    err_ << "jubesctl: unknown command '" << c << (sub.empty() ? "" : " " + sub) << "'\n" << kUsage;
    return 2;
  }

 private:
  bool load() {
    if (cfg_) return true;
    auto r = load_config(config_file_, ov_);
    if (!r) {
      fail("configuration refused: " + r.error().message);
      return false;
    }
    cfg_ = std::move(*r);
    return true;
  }

  // --- validation and routing (codecs, routing) ----------------------------------------------

  bool load_gemeenten() {
    if (gemeenten_) return true;
    std::string e;
    auto g = routing::gemeente_registry::load(cfg_->gemeenten_file, e);
    if (!g) {
      fail("gemeenten_file: " + e);
      return false;
    }
    gemeenten_ = *g;
    return true;
  }

  int validate(const std::vector<std::string>& cmd) {
    std::vector<fs::path> xsds;
    std::vector<std::string> files;
    for (std::size_t i = 1; i < cmd.size(); ++i) {
      if (cmd[i] == "--xsd" && i + 1 < cmd.size())
        xsds.emplace_back(cmd[++i]);
      else
        files.push_back(cmd[i]);
    }
    if (files.empty()) return fail("validate: no FILE given");
    codecs::xerces_guard guard;
    std::vector<codecs::schema_set_config> sets;
    codecs::semantic_options sem;
    if (!xsds.empty()) {
      sets.push_back(codecs::adhoc_schema_set(xsds));
    } else {
      if (!load() || !load_gemeenten()) return 1;
      sets = schema_sets(*cfg_);
      auto g = gemeenten_;
      sem.gemeentecode_exists = [g](std::string_view code) { return g->exists(code); };
    }
    std::string e;
    auto cat = codecs::schema_catalog::load(sets, e);
    if (!cat) return fail("schemas: " + e);
    int bad = 0;
    {
      codecs::validator v(*cat, {}, sem);
      for (const auto& f : files) {
        std::string body;
        if (!read_file(f, body)) {
          out_ << f << ": cannot read file\n";
          ++bad;
          continue;
        }
        codecs::parsed p;
        codecs::fault fault;
        if (v.parse(body, p, fault)) {
          const auto& env = p.env;
          out_ << f << ": OK type=" << env.message_type << " schema_set=" << env.schema_set
               << " berichtcode=" << env.berichtcode << " zender=" << env.zender_organisatie << "/"
               << env.zender_applicatie << " referentienummer=" << env.referentienummer << "\n";
        } else {
          out_ << f << ":" << fault.line << ":" << fault.column << ": " << codecs::to_string(fault.code) << ": "
               << fault.text;
          if (!fault.element_path.empty()) out_ << " (at " << fault.element_path << ")";
          out_ << "\n";
          ++bad;
        }
      }
    }
    return bad ? 1 : 0;
  }

  int route_explain(const std::string& file) {
    if (!load_gemeenten()) return 1;
    codecs::xerces_guard guard;
    std::string e, body;
    auto cat = codecs::schema_catalog::load(schema_sets(*cfg_), e);
    if (!cat) return fail("schemas: " + e);
    auto table = routing::table::compile(cfg_->routes_file, compile_context(*cfg_, *cat, gemeenten_), e);
    if (!table) return fail("routes_file: " + e);
    if (!read_file(file, body)) return fail(file + ": cannot read file");
    codecs::semantic_options sem;
    auto g = gemeenten_;
    sem.gemeentecode_exists = [g](std::string_view code) { return g->exists(code); };
    codecs::validator v(*cat, {}, sem);
    codecs::field_set fields((*table)->field_paths());
    codecs::parsed p;
    codecs::fault fault;
    if (!v.parse(body, fields, p, fault))
      return fail(file + ":" + std::to_string(fault.line) + ":" + std::to_string(fault.column) + ": " + fault.text);
    std::string source = source_for_zender(*cfg_, p.env.zender_organisatie, p.env.zender_applicatie);
    out_ << "source: " << (source.empty() ? "(no party has this zender)" : source) << "\n";
    out_ << (*table)->explain(routing::facts{p.env.message_type, source, &p.fields});
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
    auto so = store_options(*cfg_);
    so.retention_interval = std::chrono::milliseconds(0);
    auto s = storage::store::open(so);
    if (!s) {
      if (s.error() == storage::errc::locked) {
        locked = true;
      } else {
        rc = fail("store " + so.dir.string() + ": " + s.error().message());
      }
      return nullptr;
    }
    return std::move(*s);
  }

  std::unique_ptr<storage::store> open_readonly(int& rc) {
    auto dir = cfg_->data_dir / "store";
    auto s = storage::store::open_readonly(dir);
    if (!s) {
      rc = fail("store " + dir.string() + ": " + s.error().message());
      return nullptr;
    }
    return std::move(*s);
  }

  int routes_reload() {
    bool locked = false;
    int rc = 0;
    {
      auto s = open_exclusive(locked, rc);
      if (rc) return rc;
    }
    if (locked) return admin("POST", "/v1/admin/routes/reload");
    // No jubesd: nothing to reload, but say whether the file would load.
    if (!load_gemeenten()) return 1;
    codecs::xerces_guard guard;
    std::string e;
    auto cat = codecs::schema_catalog::load(schema_sets(*cfg_), e);
    if (!cat) return fail("schemas: " + e);
    auto t = routing::table::compile(cfg_->routes_file, compile_context(*cfg_, *cat, gemeenten_), e);
    if (!t) return fail("routes refused: " + e);
    out_ << "jubesd is not running; " << cfg_->routes_file.string() << " compiles (version " << (*t)->version() << ", "
         << (*t)->rule_count() << " rules) and will be used at the next start\n";
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
    bool locked = false;
    int rc = 0;
    auto s = open_exclusive(locked, rc);
    if (rc) return rc;
    if (locked) return admin("POST", "/v1/admin/parked/reroute?" + q);
    return reroute_offline(*s, which == "--all" ? 0 : std::stoull(which));
  }

  /// Re-routes parked messages on the store directly (no jubesd running).
  int reroute_offline(storage::store& s, std::uint64_t only_id) {
    if (!load_gemeenten()) return 1;
    codecs::xerces_guard guard;
    std::string e;
    auto cat = codecs::schema_catalog::load(schema_sets(*cfg_), e);
    if (!cat) return fail("schemas: " + e);
    auto t = routing::table::compile(cfg_->routes_file, compile_context(*cfg_, *cat, gemeenten_), e);
    if (!t) return fail("routes refused: " + e);
    codecs::field_set fields((*t)->field_paths());
    auto g = gemeenten_;
    codecs::semantic_options sem;
    sem.gemeentecode_exists = [g](std::string_view code) { return g->exists(code); };
    codecs::validator v(*cat, {}, sem);
    std::vector<std::uint64_t> ids;
    if (only_id) {
      ids.push_back(only_id);
    } else {
      auto p = s.parked();
      if (!p) return fail("parked: " + p.error().message());
      for (const auto& x : *p) ids.push_back(x.message_id);
    }
    int failed = 0;
    for (auto id : ids) {
      auto m = s.get(id);
      if (!m || !*m) {
        out_ << id << ": not found\n";
        ++failed;
        continue;
      }
      codecs::parsed p;
      codecs::fault fault;
      if ((*m)->purged || !v.parse((*m)->body, fields, p, fault)) {
        out_ << id << ": cannot re-read the message\n";
        ++failed;
        continue;
      }
      auto d = (*t)->route(routing::facts{(*m)->message_type, (*m)->source_party, &p.fields});
      if (d.parked()) {
        out_ << id << ": still unroutable: " << d.park_reason << "\n";
        continue;
      }
      std::promise<boost::system::error_code> done;
      auto fut = done.get_future();
      if (!s.submit_reroute(id, d.recipients, d.table_version,
                            [&done](boost::system::error_code ec) { done.set_value(ec); })) {
        out_ << id << ": store busy\n";
        ++failed;
        continue;
      }
      auto ec = fut.get();
      if (ec) {
        out_ << id << ": " << ec.message() << "\n";
        ++failed;
        continue;
      }
      std::string rec;
      for (const auto& r : d.recipients) rec += (rec.empty() ? "" : ",") + r;
      out_ << id << ": rerouted to " << rec << "\n";
    }
    if (ids.empty()) out_ << "nothing parked\n";
    return failed ? fail(std::to_string(failed) + " message(s) not rerouted") : 0;
  }

  int backup(const std::string& dir) {
    if (dir.empty()) return fail("backup: give a target DIR");
    int rc = 0;
    auto s = open_readonly(rc);
    if (!s) return rc;
    if (auto ec = storage::admin::backup(*s, dir)) return fail("backup to " + dir + ": " + ec.message());
    out_ << "backup written to " << dir << "\n";
    return 0;
  }

  int check() {
    int rc = 0;
    auto s = open_readonly(rc);
    if (!s) return rc;
    auto r = s->check();
    out_ << storage::admin::to_text(r);
    return r.ok() ? 0 : fail("check found " + std::to_string(r.problems.size()) + " problem(s)");
  }

  int purge() {
    bool locked = false;
    int rc = 0;
    {
      auto s = open_exclusive(locked, rc);
      if (rc) return rc;
    }
    if (locked) return admin("POST", "/v1/admin/purge");
    auto so = store_options(*cfg_);
    so.retention_interval = std::chrono::milliseconds(0);
    auto r = storage::admin::purge_offline(so);
    if (!r) return fail("purge: " + r.error().message());
    out_ << storage::admin::to_text(*r);
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
  std::shared_ptr<const routing::gemeente_registry> gemeenten_;
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
