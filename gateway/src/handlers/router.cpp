// SPDX-License-Identifier: EUPL-1.2
#include "router.hpp"

#include "gateway/errc.hpp"

namespace jubes::gateway::detail {

namespace {

/// Matches `path` against `pattern` segment by segment. @return true, with `id` set from "{id}"
bool path_matches(std::string_view pattern, std::string_view path, std::uint64_t& id) {
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto pe = pattern.find('/'), qe = path.find('/');
    auto want = pattern.substr(0, pe), got = path.substr(0, qe);
    if (want == "{id}" ? !parse_u64(got, id) : want != got) return false;
    pattern.remove_prefix(want.size());
    path.remove_prefix(got.size());
  }
  return true;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string pct_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

router::match_result router::match(http::verb method, std::string_view path, bool is_operator) const {
  match_result m;
  bool other_method = false;
  for (const auto& r : routes_) {
    if (r.operator_only && !is_operator) continue;
    std::uint64_t id = 0;
    if (!path_matches(r.pattern, path, id)) continue;
    if (r.method != method) {
      other_method = true;
      // RFC 9110 §15.5.6: a 405 lists the methods the path does have.
      auto name = http::to_string(r.method);
      if (m.allow.find(name) == std::string::npos) m.allow += (m.allow.empty() ? "" : ", ") + std::string(name);
      continue;
    }
    m.found = &r;
    m.id = id;
    m.allow.clear();
    return m;
  }
  m.error = other_method ? errc::method_not_allowed : errc::not_found;
  if (!other_method) m.allow.clear();
  return m;
}

router api_routes() {
  using v = http::verb;
  return router({
      {v::post, "/v1/messages", handle_ingest, false, 201},
      {v::get, "/v1/outbox", handle_poll},
      {v::post, "/v1/outbox/ack", handle_ack},
      {v::get, "/v1/messages/{id}", handle_get_message},
      {v::post, "/v1/messages/{id}/forward", handle_forward, false, 201},
      {v::post, "/v1/admin/routes/reload", handle_routes_reload, true},
      {v::get, "/v1/admin/parked", handle_parked_list, true},
      {v::post, "/v1/admin/parked/reroute", handle_parked_reroute, true},
      {v::get, "/v1/admin/parked/{id}", handle_parked_show, true},
      {v::post, "/v1/admin/parked/{id}/assign", handle_parked_assign, true},
      {v::post, "/v1/admin/parked/{id}/close", handle_parked_close, true},
      {v::get, "/v1/admin/identity", handle_identity, true},
      {v::post, "/v1/admin/purge", handle_purge, true},
      {v::get, "/v1/admin/stats", handle_stats, true},
      {v::post, "/v1/admin/backup", handle_backup, true},
      {v::get, "/v1/admin/audit", handle_audit_list, true},
      {v::post, "/v1/admin/tls/reload", handle_tls_reload, true},
      {v::post, "/v1/admin/keys/rotate", handle_keys_rotate, true},
  });
}

target_parts split_target(std::string_view t) {
  target_parts p;
  auto q = t.find('?');
  p.path = t.substr(0, q);
  if (q == std::string_view::npos) return p;
  std::string_view rest = t.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto kv = rest.substr(0, amp);
    auto eq = kv.find('=');
    if (!kv.empty())
      p.query.values[pct_decode(kv.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : pct_decode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return p;
}

}  // namespace jubes::gateway::detail
