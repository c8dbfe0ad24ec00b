// SPDX-License-Identifier: EUPL-1.2
#include "ctl_audit.hpp"

#include <pwd.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>

#include "ctl_context.hpp"
#include "storage/audit_chain.hpp"

namespace jubes::gateway::detail {

namespace {

namespace chain = storage::audit_chain;

constexpr int exit_ok = 0, exit_broken = 1, exit_usage = 2;

constexpr const char* kUsage =
    "usage: jubesctl audit list [--message ID] [--party P] [--since T] [--until T] [--limit N] [--json]\n"
    "       jubesctl audit verify [--from-checkpoint FILE] [--json]\n"
    "       jubesctl audit checkpoint [--json]\n"
    "T is ISO-8601 (2026-11-30, 2026-11-30T18:27:00Z, 2026-11-30T18:27:00.000Z), UTC\n";

struct options {
  storage::audit_filter filter;
  std::string checkpoint_file;
  bool json = false;
};

/// Parses the options after "audit SUB". @return false (after printing why) on a bad one.
bool parse(const ctl_audit_env& env, const std::vector<std::string>& cmd, options& o) {
  for (std::size_t i = 2; i < cmd.size(); ++i) {
    const std::string& a = cmd[i];
    if (a == "--json") {
      o.json = true;
      continue;
    }
    if (i + 1 >= cmd.size()) {
      env.err << "jubesctl: audit: unknown option or missing value: " << a << "\n" << kUsage;
      return false;
    }
    const std::string& v = cmd[++i];
    bool ok = true;
    if (a == "--message") {
      ok = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos && v.size() < 20;
      if (ok) o.filter.message_id = std::stoull(v);
    } else if (a == "--party") {
      o.filter.party = v;
    } else if (a == "--since") {
      ok = chain::parse_iso8601(v, o.filter.since_ms);
    } else if (a == "--until") {
      ok = chain::parse_iso8601(v, o.filter.until_ms);
    } else if (a == "--limit") {
      ok = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos && v.size() < 12;
      if (ok) o.filter.limit = std::stoull(v);
    } else if (a == "--from-checkpoint") {
      o.checkpoint_file = v;
    } else {
      env.err << "jubesctl: audit: unknown option " << a << "\n" << kUsage;
      return false;
    }
    if (!ok) {
      env.err << "jubesctl: audit: " << a << ": cannot read '" << v << "'\n";
      return false;
    }
  }
  return true;
}

int list(const ctl_audit_env& env, storage::backend& s, const options& o) {
  auto rows = chain::list(s, o.filter);
  if (!rows) {
    env.err << "jubesctl: audit list: " << rows.error().message() << "\n";
    return exit_broken;
  }
  env.out << (o.json ? chain::to_json(*rows) + "\n" : chain::to_text(*rows));
  return exit_ok;
}

int verify(const ctl_audit_env& env, storage::backend& s, const options& o) {
  std::optional<storage::chain_point> cp;
  if (!o.checkpoint_file.empty()) {
    std::ifstream in(o.checkpoint_file, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf())) {
      env.err << "jubesctl: audit verify: cannot read " << o.checkpoint_file << "\n";
      return exit_usage;
    }
    auto p = chain::parse_checkpoint(text.str());
    if (!p) {
      env.err << "jubesctl: audit verify: " << o.checkpoint_file << ": " << p.error().message() << "\n";
      return exit_usage;
    }
    cp = *p;
  }
  auto r = chain::verify(s, cp);
  if (!r) {
    env.err << "jubesctl: audit verify: " << r.error().message() << "\n";
    return exit_usage;
  }
  env.out << (o.json ? chain::to_json(*r) + "\n" : chain::to_text(*r));
  if (!r->ok) env.err << "jubesctl: audit trail broken at seq " << r->bad_seq << ": " << r->problem << "\n";
  return r->ok ? exit_ok : exit_broken;
}

int checkpoint(const ctl_audit_env& env, storage::backend& s, const options& o) {
  auto st = s.audit_chain();
  if (!st) {
    env.err << "jubesctl: audit checkpoint: " << st.error().message() << "\n";
    return exit_broken;
  }
  if (o.json) {
    env.out << chain::checkpoint_json(st->head) << "\n";
  } else {
    env.out << "seq=" << st->head.seq << " hash=" << chain::hex(st->head.hash)
            << " at=" << chain::iso8601(st->head.at_ms) << "\n";
  }
  return exit_ok;
}

}  // namespace

std::string os_identity() {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[1024];
  if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found) == 0 && found) return std::string("os:") + found->pw_name;
  return "os:uid" + std::to_string(geteuid());
}

std::string pct_encode(std::string_view v) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : v) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' || ch == '/' || ch == ':') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += digits[ch >> 4];
      out += digits[ch & 15];
    }
  }
  return out;
}

int ctl_audit(const ctl_audit_env& env, const std::vector<std::string>& cmd) {
  const std::string sub = cmd.size() > 1 ? cmd[1] : "";
  if (sub == "--help" || sub == "-h") {
    env.out << kUsage;
    return exit_ok;
  }
  if (sub != "list" && sub != "verify" && sub != "checkpoint") {
    env.err << "jubesctl: audit: unknown command '" << sub << "'\n" << kUsage;
    return exit_usage;
  }
  options o;
  if (!parse(env, cmd, o)) return exit_usage;
  if (sub != "list" && (o.filter.message_id || !o.filter.party.empty() || o.filter.since_ms || o.filter.until_ms)) {
    env.err << "jubesctl: audit " << sub << ": takes no filter\n" << kUsage;
    return exit_usage;
  }
  int rc = 0;
  auto s = env.open_readonly(rc);
  if (!s) return sub == "verify" ? exit_usage : (rc ? rc : exit_broken);
  if (sub == "list") return list(env, *s, o);
  if (sub == "verify") return verify(env, *s, o);
  return checkpoint(env, *s, o);
}

}  // namespace jubes::gateway::detail

namespace jubes::gateway::ctl {
namespace {

/// Runs `jubesctl audit SUB` with jubesctl's global --json, and turns what it printed into an outcome.
outcome run_audit(context& c, args& a, const char* sub) {
  std::vector<std::string> cmd{"audit", sub};
  for (const auto& x : a.rest()) cmd.push_back(x);
  if (c.json) cmd.emplace_back("--json");
  std::ostringstream out, err;
  int rc = 0;
  detail::ctl_audit_env env{out, err, [&c](int&) { return c.open_readonly(); }};
  rc = detail::ctl_audit(env, cmd);
  outcome o;
  o.code = rc;
  o.text = out.str();
  if (c.json && !o.text.empty()) {
    boost::system::error_code ec;
    auto v = boost::json::parse(o.text, ec);
    if (!ec) o.json = std::move(v);
  }
  if (rc != ok) {
    std::string e = err.str();
    const std::string prefix = "jubesctl: ";
    if (e.rfind(prefix, 0) == 0) e.erase(0, prefix.size());
    while (!e.empty() && e.back() == '\n') e.pop_back();
    o.error = e.empty() ? "audit " + std::string(sub) + " failed" : e;
  }
  return o;
}

}  // namespace

outcome cmd_audit_list(context& c, args& a) {
  return run_audit(c, a, "list");
}
outcome cmd_audit_verify(context& c, args& a) {
  return run_audit(c, a, "verify");
}
outcome cmd_audit_checkpoint(context& c, args& a) {
  return run_audit(c, a, "checkpoint");
}

}  // namespace jubes::gateway::ctl
