// SPDX-License-Identifier: EUPL-1.2
#include "codec.hpp"

#include <openssl/evp.h>

#include <cstring>

namespace jubes::storage::codec {

std::array<char, 8> be64(std::uint64_t v) noexcept {
  std::array<char, 8> a{};
  for (int i = 7; i >= 0; --i) {
    a[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return a;
}

bool read_be64(std::string_view s, std::uint64_t& out) noexcept {
  if (s.size() != 8) return false;
  std::uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
  out = v;
  return true;
}

void writer::u32(std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void writer::u64(std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void writer::str(std::string_view s) {
  u32(static_cast<std::uint32_t>(s.size()));
  out_.append(s);
}
void writer::strs(const std::vector<std::string>& v) {
  u32(static_cast<std::uint32_t>(v.size()));
  for (const auto& s : v) str(s);
}

bool reader::u8(std::uint8_t& v) {
  if (in_.empty()) return false;
  v = static_cast<std::uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}
namespace {
/// Reads a little-endian unsigned integer of sizeof(U) bytes from the front of `in`.
template <class U>
bool read_le(std::string_view& in, U& v) {
  if (in.size() < sizeof(U)) return false;
  v = 0;
  for (std::size_t i = sizeof(U); i-- > 0;) v = static_cast<U>((v << 8) | static_cast<unsigned char>(in[i]));
  in.remove_prefix(sizeof(U));
  return true;
}
}  // namespace

bool reader::u32(std::uint32_t& v) {
  return read_le(in_, v);
}
bool reader::u64(std::uint64_t& v) {
  return read_le(in_, v);
}
bool reader::i64(std::int64_t& v) {
  std::uint64_t u = 0;
  if (!u64(u)) return false;
  v = static_cast<std::int64_t>(u);
  return true;
}
bool reader::raw(std::size_t n, std::string_view& v) {
  if (in_.size() < n) return false;
  v = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}
bool reader::str(std::string_view& v) {
  std::uint32_t n = 0;
  return u32(n) && raw(n, v);
}
bool reader::str(std::string& v) {
  std::string_view s;
  if (!str(s)) return false;
  v.assign(s);
  return true;
}
bool reader::strs(std::vector<std::string>& v) {
  std::uint32_t n = 0;
  if (!u32(n)) return false;
  // Each string needs at least its 4-byte length, so a bogus count cannot make us reserve gigabytes.
  if (n > in_.size() / 4) return false;
  v.clear();
  v.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string s;
    if (!str(s)) return false;
    v.push_back(std::move(s));
  }
  return true;
}

std::string dedup_key(std::string_view party, std::string_view refnr) {
  std::string k;
  k.reserve(party.size() + 1 + refnr.size());
  k.append(party);
  k.push_back('\0');
  k.append(refnr);
  return k;
}

std::string outbox_key(std::string_view recipient, std::uint64_t seq) {
  std::string k;
  k.reserve(recipient.size() + 9);
  k.append(recipient);
  k.push_back('\0');
  auto b = be64(seq);
  k.append(b.data(), b.size());
  return k;
}

bool split_outbox_key(std::string_view key, std::string_view& recipient, std::uint64_t& seq) noexcept {
  if (key.size() < 10 || key[key.size() - 9] != '\0') return false;
  recipient = key.substr(0, key.size() - 9);
  return read_be64(key.substr(key.size() - 8), seq);
}

static constexpr std::uint8_t message_rec_version = 1;
// Version 2: version 1 and then u64 superseded_by, u8 superseded_kind (a corrected or withdrawn message).
static constexpr std::uint8_t message_rec_version_superseded = 2;

void encode(const message_rec& r, std::string& out) {
  out.clear();
  writer w(out);
  w.u8(r.superseded_by ? message_rec_version_superseded : message_rec_version);
  w.fields(r.flags, r.received_at_ms, r.accepted_at_ms, r.blob_id, r.body_offset, r.body_len, r.party, r.refnr,
           r.message_type, r.route_version, r.park_reason, r.recipients, r.matched_rules);
  if (r.superseded_by) w.fields(r.superseded_by, r.superseded_kind);
}

bool decode(std::string_view in, message_rec& r) {
  reader rd(in);
  std::uint8_t ver = 0;
  r.superseded_by = 0;
  r.superseded_kind = 0;
  if (!(rd.u8(ver) && (ver == message_rec_version || ver == message_rec_version_superseded) &&
        rd.fields(r.flags, r.received_at_ms, r.accepted_at_ms, r.blob_id, r.body_offset, r.body_len, r.party, r.refnr,
                  r.message_type, r.route_version, r.park_reason, r.recipients, r.matched_rules)))
    return false;
  if (ver == message_rec_version_superseded &&
      !(rd.fields(r.superseded_by, r.superseded_kind) && r.superseded_by != 0 && r.superseded_kind >= 1 &&
        r.superseded_kind <= 2))
    return false;
  return rd.done();
}

void encode(const dedup_rec& r, std::string& out) {
  out.clear();
  writer w(out);
  w.raw({reinterpret_cast<const char*>(r.sha256.data()), r.sha256.size()});
  w.u64(r.message_id);
  w.i64(r.accepted_at_ms);
}

bool decode(std::string_view in, dedup_rec& r) {
  reader rd(in);
  std::string_view sha;
  if (!rd.raw(32, sha) || !rd.u64(r.message_id) || !rd.i64(r.accepted_at_ms) || !rd.done()) return false;
  std::memcpy(r.sha256.data(), sha.data(), 32);
  return true;
}

bool decode_blob_header(std::string_view blob, blob_header& h) {
  reader rd(blob);
  std::uint32_t n = 0;
  if (!rd.u32(n)) return false;
  n &= ~blob_sealed;
  if (n > (blob.size() - 4) / 8) return false;
  h.ids.resize(n);
  for (auto& id : h.ids)
    if (!rd.u64(id)) return false;
  h.header_len = blob_header_len(n);
  return true;
}

void encode(const audit_record& r, std::string& out) {
  out.clear();
  writer w(out);
  w.fields(r.at_ms, static_cast<std::uint8_t>(r.kind), r.message_id, r.party, r.detail);
  if (!r.chained) return;
  w.u64(r.seq);
  w.raw(std::string_view(reinterpret_cast<const char*>(r.prev_hash.data()), r.prev_hash.size()));
  w.raw(std::string_view(reinterpret_cast<const char*>(r.hash.data()), r.hash.size()));
}

bool decode(std::string_view in, audit_record& r) {
  reader rd(in);
  std::uint8_t kind = 0;
  if (!rd.fields(r.at_ms, kind, r.message_id, r.party, r.detail)) return false;
  r.kind = static_cast<audit_kind>(kind);
  r.seq = 0;
  r.chained = !rd.done();
  if (!r.chained) return true;
  std::string_view prev, hash;
  if (!(rd.u64(r.seq) && rd.raw(32, prev) && rd.raw(32, hash) && rd.done())) return false;
  std::memcpy(r.prev_hash.data(), prev.data(), 32);
  std::memcpy(r.hash.data(), hash.data(), 32);
  return true;
}

bool sha256(std::string_view data, std::array<unsigned char, 32>& out) noexcept {
  unsigned int len = 0;
  return EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) == 1 && len == 32;
}

}  // namespace jubes::storage::codec
