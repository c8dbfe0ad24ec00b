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

}  // namespace jubes::gateway::detail

namespace jubes::gateway::ctl {
namespace {

namespace chain = storage::audit_chain;
namespace json = boost::json;

// `audit verify` exits 2 for what is not a verdict on the chain (unreadable store or checkpoint), 1 for a broken one.
constexpr int not_a_verdict = usage;

/// The store's JSON rendering (storage has no JSON library: it writes the text the operator endpoint serves too).
json::value parsed(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value() : v;
}

std::uint64_t number_option(args& a, std::string_view name, std::size_t max_digits) {
  auto v = a.option(name);
  if (!v) return 0;
  if (v->empty() || v->find_first_not_of("0123456789") != std::string::npos || v->size() > max_digits)
    stop_with(usage, "audit: " + std::string(name) + ": cannot read '" + *v + "'");
  return std::stoull(*v);
}

std::int64_t time_option(args& a, std::string_view name) {
  auto v = a.option(name);
  std::int64_t ms = 0;
  if (v && !chain::parse_iso8601(*v, ms))
    stop_with(usage, "audit: " + std::string(name) + ": cannot read '" + *v + "' (ISO-8601, UTC)");
  return ms;
}

}  // namespace

outcome cmd_audit_list(context& c, args& a) {
  storage::audit_filter f;
  f.message_id = number_option(a, "--message", 19);
  if (auto p = a.option("--party")) f.party = *p;
  f.since_ms = time_option(a, "--since");
  f.until_ms = time_option(a, "--until");
  if (auto n = number_option(a, "--limit", 11)) f.limit = n;
  a.exactly(0, "audit list [--message ID] [--party P] [--since T] [--until T] [--limit N]");
  auto s = c.open_readonly();
  auto rows = chain::list(*s, f);
  if (!rows) return failure(failed, "audit list: " + rows.error().message());
  return success(parsed(chain::to_json(*rows)), chain::to_text(*rows));
}

outcome cmd_audit_verify(context& c, args& a) {
  const auto file = a.option("--from-checkpoint");
  a.exactly(0, "audit verify [--from-checkpoint FILE]");
  std::optional<storage::chain_point> cp;
  if (file) {
    std::ifstream in(*file, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf())) return failure(not_a_verdict, "audit verify: cannot read " + *file);
    auto p = chain::parse_checkpoint(text.str());
    if (!p) return failure(not_a_verdict, "audit verify: " + *file + ": " + p.error().message());
    cp = *p;
  }
  std::unique_ptr<storage::backend> s;
  try {
    s = c.open_readonly();
  } catch (stop& st) {
    st.o.code = not_a_verdict;
    throw;
  }
  auto r = chain::verify(*s, cp);
  if (!r) return failure(not_a_verdict, "audit verify: " + r.error().message());
  outcome o = success(parsed(chain::to_json(*r)), chain::to_text(*r), r->ok ? ok : failed);
  if (!r->ok) o.error = "audit trail broken at seq " + std::to_string(r->bad_seq) + ": " + r->problem;
  return o;
}

outcome cmd_audit_checkpoint(context& c, args& a) {
  a.exactly(0, "audit checkpoint");
  auto s = c.open_readonly();
  auto st = s->audit_chain();
  if (!st) return failure(failed, "audit checkpoint: " + st.error().message());
  return success(parsed(chain::checkpoint_json(st->head)), "seq=" + std::to_string(st->head.seq) +
                                                               " hash=" + chain::hex(st->head.hash) +
                                                               " at=" + chain::iso8601(st->head.at_ms) + "\n");
}

}  // namespace jubes::gateway::ctl
