// SPDX-License-Identifier: EUPL-1.2
#include "storage/audit_chain.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <ctime>

#include "common/iso_time.hpp"
#include "storage/backend.hpp"
#include "storage/errc.hpp"

namespace jubes::storage::audit_chain {

namespace {

constexpr std::string_view tag = "jubes-audit-1";

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_str(std::string& out, std::string_view s) {
  put_be(out, s.size(), 4);
  out.append(s);
}

std::string hex_of(const digest& d) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(64);
  for (unsigned char c : d) s.push_back(digits[c >> 4]), s.push_back(digits[c & 15]);
  return s;
}

}  // namespace

std::string canonical(const audit_record& r) {
  std::string out;
  out.reserve(tag.size() + 8 * 3 + 1 + 8 + r.party.size() + r.detail.size() + 32);
  out.append(tag);
  put_be(out, r.seq, 8);
  put_be(out, static_cast<std::uint64_t>(r.at_ms), 8);
  put_be(out, static_cast<std::uint8_t>(r.kind), 1);
  put_be(out, r.message_id, 8);
  put_str(out, r.party);
  put_str(out, r.detail);
  out.append(reinterpret_cast<const char*>(r.prev_hash.data()), r.prev_hash.size());
  return out;
}

digest hash_of(const audit_record& r) {
  const std::string c = canonical(r);
  digest d{};
  unsigned int len = 0;
  if (EVP_Digest(c.data(), c.size(), d.data(), &len, EVP_sha256(), nullptr) != 1 || len != d.size()) return digest{};
  return d;
}

void seal(audit_record& r, const digest& prev) {
  r.prev_hash = prev;
  r.hash = hash_of(r);
  r.chained = true;
}

std::string hex(const digest& d) {
  return hex_of(d);
}

bool parse_hex(std::string_view s, digest& out) {
  if (s.size() != 64) return false;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    int h = nib(s[2 * i]), l = nib(s[2 * i + 1]);
    if (h < 0 || l < 0) return false;
    out[i] = static_cast<unsigned char>(h * 16 + l);
  }
  return true;
}

// ---- the verifier -------------------------------------------------------------------------------

verifier::verifier(audit_chain_state st, std::optional<chain_point> checkpoint) : cp_(checkpoint) {
  rep_.anchor = st.anchor;
  rep_.head = st.head;
  rep_.from = st.anchor;
  running_ = st.anchor.hash;
  start_ = expect_ = st.anchor.seq + 1;
  if (!cp_) return;
  if (cp_->seq < st.anchor.seq) {
    rep_.notes.push_back("the checkpoint's record " + std::to_string(cp_->seq) +
                         " was removed by retention (anchor at " + std::to_string(st.anchor.seq) +
                         "): its hash cannot be compared; verified from the anchor");
  } else if (cp_->seq == st.anchor.seq) {
    if (cp_->hash != st.anchor.hash)
      broken(cp_->seq, "checkpoint mismatch: the anchor's hash differs from the checkpoint");
  } else if (cp_->seq > st.head.seq) {
    broken(st.head.seq + 1, "truncated: the checkpoint names record " + std::to_string(cp_->seq) + " but the head is " +
                                std::to_string(st.head.seq) + " (newest records removed)");
  } else {
    rep_.from = *cp_;
    start_ = expect_ = cp_->seq;
    at_checkpoint_ = true;
  }
}

bool verifier::broken(std::uint64_t seq, std::string why) {
  if (!rep_.ok) return false;
  rep_.ok = false;
  rep_.bad_seq = seq;
  rep_.problem = std::move(why);
  done_ = true;
  return false;
}

bool verifier::feed(const audit_record& r) {
  if (done_) return false;
  // Appended after the head was read (a live store): not part of what is being verified.
  if (r.seq > rep_.head.seq && expect_ > rep_.head.seq) {
    rep_.after_head = r.seq;
    return false;
  }
  if (r.seq < start_) {
    if (r.seq <= rep_.anchor.seq) ++rep_.pre_chain;
    return true;
  }
  if (r.seq > expect_)
    return broken(expect_, "gap: record " + std::to_string(expect_) +
                               (r.seq - expect_ > 1 ? " to " + std::to_string(r.seq - 1) : std::string()) +
                               " missing (next stored is " + std::to_string(r.seq) + ")");
  if (r.seq < expect_)
    return broken(
        r.seq, "out of order: record " + std::to_string(r.seq) + " stored again after " + std::to_string(expect_ - 1));
  if (!r.damage.empty()) return broken(r.seq, "damaged: " + r.damage);
  if (!r.chained) return broken(r.seq, "hash mismatch: the record carries no hashes (altered)");
  if (hash_of(r) != r.hash) return broken(r.seq, "hash mismatch: its content no longer matches its hash (altered)");
  if (at_checkpoint_) {
    at_checkpoint_ = false;
    if (r.hash != cp_->hash) return broken(r.seq, "checkpoint mismatch: the record's hash differs from the checkpoint");
  } else if (r.prev_hash != running_) {
    return broken(r.seq, "chain break: its predecessor hash does not match record " + std::to_string(r.seq - 1) +
                             " (a record before it was replaced, removed or reordered)");
  }
  running_ = r.hash;
  ++rep_.checked;
  ++expect_;
  return true;
}

verify_report verifier::finish() {
  if (done_) return rep_;
  done_ = true;
  const std::uint64_t last = expect_ - 1;
  if (at_checkpoint_) {
    broken(cp_->seq, "truncated: the checkpointed record " + std::to_string(cp_->seq) + " is missing");
  } else if (last < rep_.head.seq) {
    broken(last + 1, "truncated: record " + std::to_string(last + 1) + " to " + std::to_string(rep_.head.seq) +
                         " missing (the head is " + std::to_string(rep_.head.seq) + ")");
  } else if (last > rep_.head.seq) {
    broken(rep_.head.seq + 1, "out of order: records after the head " + std::to_string(rep_.head.seq) + " stored");
  } else if (running_ != rep_.head.hash && last > rep_.anchor.seq) {
    broken(last, "chain break: the newest record's hash differs from the stored head");
  }
  if (rep_.from.seq == rep_.anchor.seq && rep_.anchor.seq > 0 && !cp_)
    rep_.notes.push_back("verified from the retention anchor at seq " + std::to_string(rep_.anchor.seq) +
                         " (records up to it were purged or predate the chain)");
  return rep_;
}

jubes::result<verify_report> verify(const backend& b, std::optional<chain_point> checkpoint) {
  // A live store may purge meanwhile: a report broken at its start is trusted only if the anchor
  // read before the scan is still the anchor after it; else verify once more from the new one.
  for (int attempt = 0;; ++attempt) {
    auto st = b.audit_chain();
    if (!st) return st.error();
    verifier v(*st, checkpoint);
    // Without a checkpoint from the first stored record, so that records kept at or below the
    // anchor (written before the chain existed) are counted.
    auto r = b.scan_audit(checkpoint ? v.start_seq() : 1, [&](const audit_record& rec) { return v.feed(rec); });
    if (!r) return r.error();
    auto rep = v.finish();
    auto again = b.audit_chain();
    if (!again) return again.error();
    // Records after the head read first are fine if the head has moved past them since.
    if (rep.ok && rep.after_head > again->head.seq) {
      rep.ok = false;
      rep.bad_seq = rep.after_head;
      rep.problem = "out of order: record " + std::to_string(rep.after_head) + " is stored after the head " +
                    std::to_string(again->head.seq);
    }
    if (rep.ok || attempt > 0 || again->anchor.seq == st->anchor.seq) return rep;
  }
}

std::string to_text(const verify_report& r) {
  std::string s;
  if (r.ok) {
    s = "ok: " + std::to_string(r.checked) + " records verified from seq " + std::to_string(r.from.seq + 1) +
        " to head " + std::to_string(r.head.seq) + " (hash " + hex(r.head.hash) + ")\n";
  } else {
    s = "broken: seq " + std::to_string(r.bad_seq) + ": " + r.problem + "\n";
  }
  if (r.pre_chain > 0)
    s += "note: " + std::to_string(r.pre_chain) + " records at or before the anchor are not part of the chain\n";
  for (const auto& n : r.notes) s += "note: " + n + "\n";
  return s;
}

namespace {

std::string json_str(std::string_view v) {
  std::string out = "\"";
  for (unsigned char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char b[16];
          std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(c));
          out += b;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string point_json(const chain_point& p) {
  return "{\"seq\":" + std::to_string(p.seq) + ",\"hash\":\"" + hex(p.hash) +
         "\",\"at\":" + json_str(iso8601(p.at_ms)) + ",\"at_ms\":" + std::to_string(p.at_ms) + "}";
}

/// The text after `"key":` (whitespace skipped), or npos.
std::size_t value_at(std::string_view json, std::string_view key) {
  const std::string k = "\"" + std::string(key) + "\"";
  auto p = json.find(k);
  if (p == std::string_view::npos) return p;
  p = json.find_first_not_of(" \t\r\n", p + k.size());
  if (p == std::string_view::npos || json[p] != ':') return std::string_view::npos;
  return json.find_first_not_of(" \t\r\n", p + 1);
}

}  // namespace

std::string to_json(const verify_report& r) {
  std::string notes = "[";
  for (std::size_t i = 0; i < r.notes.size(); ++i) notes += (i ? "," : "") + json_str(r.notes[i]);
  notes += "]";
  return "{\"ok\":" + std::string(r.ok ? "true" : "false") + ",\"checked\":" + std::to_string(r.checked) +
         ",\"pre_chain\":" + std::to_string(r.pre_chain) + ",\"anchor\":" + point_json(r.anchor) +
         ",\"head\":" + point_json(r.head) + ",\"from\":" + point_json(r.from) +
         (r.ok ? std::string() : ",\"bad_seq\":" + std::to_string(r.bad_seq) + ",\"problem\":" + json_str(r.problem)) +
         ",\"notes\":" + notes + "}";
}

std::string checkpoint_json(const chain_point& p) {
  return point_json(p);
}

jubes::result<chain_point> parse_checkpoint(std::string_view json) {
  chain_point p;
  auto s = value_at(json, "seq");
  if (s == std::string_view::npos) return fail(errc::invalid_argument, "checkpoint: no \"seq\"");
  std::uint64_t seq = 0;
  std::size_t n = 0;
  for (; s + n < json.size() && json[s + n] >= '0' && json[s + n] <= '9' && n < 20; ++n)
    seq = seq * 10 + static_cast<std::uint64_t>(json[s + n] - '0');
  if (n == 0) return fail(errc::invalid_argument, "checkpoint: \"seq\" is not a number");
  p.seq = seq;
  auto h = value_at(json, "hash");
  if (h == std::string_view::npos || json[h] != '"' || json.size() < h + 66 || json[h + 65] != '"' ||
      !parse_hex(json.substr(h + 1, 64), p.hash))
    return fail(errc::invalid_argument, "checkpoint: \"hash\" is not 64 hex digits");
  if (auto a = value_at(json, "at_ms"); a != std::string_view::npos)
    p.at_ms = std::atoll(std::string(json.substr(a, 20)).c_str());
  return p;
}

// ---- listing ------------------------------------------------------------------------------------

jubes::result<std::vector<audit_record>> list(const backend& b, const audit_filter& f) {
  std::vector<audit_record> out;
  if (f.limit == 0) return out;
  auto r = b.scan_audit(1, [&](const audit_record& rec) {
    if (!rec.damage.empty()) return true;  // listed by verify, not here
    if (f.message_id != 0 && rec.message_id != f.message_id) return true;
    if (!f.party.empty() && rec.party != f.party) return true;
    if (f.since_ms != 0 && rec.at_ms < f.since_ms) return true;
    if (f.until_ms != 0 && rec.at_ms >= f.until_ms) return true;
    out.push_back(rec);
    return out.size() < f.limit;
  });
  if (!r) return r.error();
  return out;
}

std::string iso8601(std::int64_t ms) {
  return log::iso8601_utc(ms);  // the one time format of logs and jubesctl
}

bool parse_iso8601(std::string_view s, std::int64_t& ms) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, frac = 0;
  const std::string str(s);
  int used = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) return false;
  std::string_view rest = s.substr(10);
  if (!rest.empty()) {
    if (rest[0] != 'T' && rest[0] != ' ') return false;
    int u2 = 0;
    if (std::sscanf(str.c_str() + 11, "%2d:%2d:%2d%n", &h, &mi, &se, &u2) != 3 || u2 != 8) return false;
    rest = rest.substr(9);
    if (!rest.empty() && rest[0] == '.') {
      std::size_t i = 1;
      int digits = 0;
      for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i)
        if (digits < 3) frac = frac * 10 + (rest[i] - '0'), ++digits;
      for (; digits < 3; ++digits) frac *= 10;
      rest = rest.substr(i);
    }
    if (rest != "Z" && rest != "+00:00" && !rest.empty()) return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  ms = static_cast<std::int64_t>(timegm(&tm)) * 1000 + frac;
  return true;
}

std::string to_json(const audit_record& r) {
  return "{\"seq\":" + std::to_string(r.seq) + ",\"at\":" + json_str(iso8601(r.at_ms)) +
         ",\"at_ms\":" + std::to_string(r.at_ms) + ",\"kind\":" + json_str(to_string(r.kind)) +
         ",\"message_id\":" + std::to_string(r.message_id) + ",\"party\":" + json_str(r.party) +
         ",\"detail\":" + json_str(r.detail) + ",\"prev_hash\":" + json_str(r.chained ? hex(r.prev_hash) : "") +
         ",\"hash\":" + json_str(r.chained ? hex(r.hash) : "") + "}";
}

std::string to_json(const std::vector<audit_record>& rs) {
  std::string out = "[";
  for (std::size_t i = 0; i < rs.size(); ++i) (out += i ? ",\n" : "\n") += to_json(rs[i]);
  return out + (rs.empty() ? "]" : "\n]");
}

std::string to_text(const std::vector<audit_record>& rs) {
  std::string out;
  for (const auto& r : rs) {
    char head[96];
    std::snprintf(head, sizeof head, "%8llu  %s  %-16s %8llu  ", static_cast<unsigned long long>(r.seq),
                  iso8601(r.at_ms).c_str(), std::string(to_string(r.kind)).c_str(),
                  static_cast<unsigned long long>(r.message_id));
    out += head + (r.party.empty() ? "-" : r.party) + "  " + r.detail + "\n";
  }
  return out;
}

}  // namespace jubes::storage::audit_chain
