// SPDX-License-Identifier: EUPL-1.2
#include "pq.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "common/log.hpp"
#include "storage/errc.hpp"

namespace jubes::pgstore::pq {

namespace {

using storage::errc;
constexpr std::string_view log_c = "pgstore";

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (auto& ch : out)
    if (ch == '\n') ch = ' ';
  return out;
}

std::uint32_t be32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

}  // namespace

jubes::result<conn> connect(const std::string& conninfo, std::string_view purpose) {
  // connect_timeout first: the connection string, expanded from dbname, may override it.
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const std::string app = "jubes-" + std::string(purpose);
  const char* vals[] = {"10", app.c_str(), conninfo.c_str(), nullptr};
  conn c(PQconnectdbParams(keys, vals, 1));
  if (!c) return fail(errc::io_error, std::string(purpose) + ": out of memory connecting to PostgreSQL");
  // The server's notices (e.g. "relation ... already exists, skipping" of a migration's IF NOT
  // EXISTS) go to the log at debug level, not to stderr: a successful jubesctl command prints
  // nothing there.
  PQsetNoticeProcessor(
      c.get(),
      [](void*, const char* message) {
        std::string_view m(message);
        while (!m.empty() && m.back() == '\n') m.remove_suffix(1);
        log::debug("pgstore", "server_notice", {{"notice", m}});
      },
      nullptr);
  if (PQstatus(c.get()) != CONNECTION_OK)
    return fail(errc::io_error,
                "PostgreSQL " + std::string(purpose) + " connection failed: " + trimmed(PQerrorMessage(c.get())));
  if (PQsetClientEncoding(c.get(), "UTF8") != 0)
    return fail(errc::io_error, "PostgreSQL: cannot set client_encoding UTF8: " + trimmed(PQerrorMessage(c.get())));
  // A receipt means durable: commits must wait for the WAL flush (and for synchronous standbys,
  // as the server configures). `off` would acknowledge what a crash can still take back.
  res sc = exec(c.get(), "SHOW synchronous_commit", {}, false);
  if (!sc.ok() || sc.rows() != 1) return error_of(c.get(), sc, "SHOW synchronous_commit");
  if (sc.text(0, 0) == "off") {
    log::warn(log_c, "synchronous_commit_off", {{"action", "set to on for this session"}});
    res set = exec(c.get(), "SET synchronous_commit TO on", {}, false);
    if (!set.ok()) return error_of(c.get(), set, "SET synchronous_commit");
  }
  return c;
}

bool broken(PGconn* c) noexcept {
  return c == nullptr || PQstatus(c) == CONNECTION_BAD;
}

bool res::ok() const noexcept {
  if (!r_) return false;
  auto s = PQresultStatus(r_);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

std::string res::state() const {
  if (!r_) return {};
  const char* s = PQresultErrorField(r_, PG_DIAG_SQLSTATE);
  return s ? s : "";
}

std::int64_t res::i64(int row, int col) const {
  const char* p = PQgetvalue(r_, row, col);
  switch (PQgetlength(r_, row, col)) {
    case 8: {
      std::uint64_t hi = be32(p), lo = be32(p + 4);
      return static_cast<std::int64_t>((hi << 32) | lo);
    }
    case 4:
      return static_cast<std::int32_t>(be32(p));
    case 2: {
      std::uint16_t v;
      std::memcpy(&v, p, 2);
      return static_cast<std::int16_t>(ntohs(v));
    }
    default:
      return 0;
  }
}

bool res::boolean(int row, int col) const {
  return PQgetlength(r_, row, col) == 1 && PQgetvalue(r_, row, col)[0] != 0;
}

std::string_view res::view(int row, int col) const {
  return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
}

std::string res::str(int row, int col) const {
  return std::string(view(row, col));
}

std::vector<std::string> res::text_array(int row, int col) const {
  std::vector<std::string> out;
  auto v = view(row, col);
  if (v.size() < 12) return out;
  const char* p = v.data();
  const char* end = p + v.size();
  const std::uint32_t ndim = be32(p);
  if (ndim == 0) return out;
  if (ndim != 1 || v.size() < 20) return out;
  const std::uint32_t n = be32(p + 12);
  p += 20;
  for (std::uint32_t i = 0; i < n && p + 4 <= end; ++i) {
    auto len = static_cast<std::int32_t>(be32(p));
    p += 4;
    if (len < 0) continue;
    if (p + len > end) break;
    out.emplace_back(p, static_cast<std::size_t>(len));
    p += len;
  }
  return out;
}

params& params::text(std::string s) {
  vals_.push_back(std::move(s));
  formats_.push_back(0);
  return *this;
}

params& params::bytes(std::string s) {
  vals_.push_back(std::move(s));
  formats_.push_back(1);
  return *this;
}

params& params::array(const std::vector<std::string>& v) {
  return text(array_literal(v));
}

params& params::i64_array(const std::vector<std::int64_t>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) (s += i ? "," : "") += std::to_string(v[i]);
  return text(s + "}");
}

params::view params::raw() const {
  view v;
  for (std::size_t i = 0; i < vals_.size(); ++i) {
    v.values.push_back(vals_[i].data());
    v.lengths.push_back(static_cast<int>(vals_[i].size()));
    v.formats.push_back(formats_[i]);
  }
  return v;
}

std::string array_literal(const std::vector<std::string>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += '"';
    for (char ch : v[i]) {
      if (ch == '"' || ch == '\\') s += '\\';
      s += ch;
    }
    s += '"';
  }
  return s + "}";
}

res exec(PGconn* c, const std::string& sql, const params& p, bool binary_result) {
  auto v = p.raw();
  return res(PQexecParams(c, sql.c_str(), p.size(), nullptr, v.values.data(), v.lengths.data(), v.formats.data(),
                          binary_result ? 1 : 0));
}

jubes::result<void> prepare(PGconn* c, const char* name, const char* sql) {
  res r(PQprepare(c, name, sql, 0, nullptr));
  if (!r.ok()) return error_of(c, r, std::string("prepare ") + name);
  return {};
}

jubes::result<void> pipeline(PGconn* c, const std::vector<command>& cmds, pipeline_run& run) {
  run.results.clear();
  run.all_sent = false;
  if (PQenterPipelineMode(c) != 1) return fail(errc::io_error, "pipeline mode: " + trimmed(PQerrorMessage(c)));
  for (const auto& cmd : cmds) {
    auto v = cmd.p.raw();
    int sent = cmd.prepared ? PQsendQueryPrepared(c, cmd.stmt.c_str(), cmd.p.size(), v.values.data(), v.lengths.data(),
                                                  v.formats.data(), cmd.binary_result ? 1 : 0)
                            : PQsendQueryParams(c, cmd.stmt.c_str(), cmd.p.size(), nullptr, v.values.data(),
                                                v.lengths.data(), v.formats.data(), cmd.binary_result ? 1 : 0);
    if (sent != 1) return fail(errc::io_error, "send " + cmd.stmt + ": " + trimmed(PQerrorMessage(c)));
  }
  run.all_sent = true;
  if (PQpipelineSync(c) != 1) return fail(errc::io_error, "pipeline sync: " + trimmed(PQerrorMessage(c)));
  run.results.reserve(cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    PGresult* r = PQgetResult(c);
    if (!r || broken(c)) {
      if (r) PQclear(r);
      return fail(errc::io_error, "PostgreSQL connection lost: " + trimmed(PQerrorMessage(c)));
    }
    run.results.emplace_back(r);
    // Each command's results end with a null.
    while (PGresult* extra = PQgetResult(c)) PQclear(extra);
  }
  res sync(PQgetResult(c));
  if (!sync.get() || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC)
    return fail(errc::io_error, "PostgreSQL pipeline: no sync: " + trimmed(PQerrorMessage(c)));
  if (PQexitPipelineMode(c) != 1) return fail(errc::io_error, "pipeline exit: " + trimmed(PQerrorMessage(c)));
  return {};
}

jubes::error error_of(PGconn* c, const res& r, std::string_view what) {
  std::string state = r.state();
  std::string msg = r.get() ? trimmed(PQresultErrorMessage(r.get())) : "";
  if (msg.empty()) msg = trimmed(PQerrorMessage(c));
  std::string detail = std::string(what) + ": " + (state.empty() ? "" : "SQLSTATE " + state + ": ") + msg;
  if (state == "53100") return fail(errc::store_full, detail);
  return fail(errc::io_error, detail);
}

}  // namespace jubes::pgstore::pq
