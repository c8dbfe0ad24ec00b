// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private record encodings. Integers in keys are big-endian so that LMDB's byte order is numeric
// order; values use little-endian fixed-width fields and u32-length-prefixed strings. Decoding never
// trusts lengths: a short or overlong record yields false (errc::corrupt upstream), never a crash.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/types.hpp"

namespace jubes::storage::codec {

// ---- primitives ---------------------------------------------------------------------------------

std::array<char, 8> be64(std::uint64_t v) noexcept;
inline std::string_view sv(const std::array<char, 8>& a) noexcept {
  return {a.data(), a.size()};
}
/// @return false if `s` is not exactly 8 bytes.
bool read_be64(std::string_view s, std::uint64_t& out) noexcept;

class writer {
 public:
  explicit writer(std::string& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(std::string_view s);
  void strs(const std::vector<std::string>& v);
  void raw(std::string_view s) { out_.append(s); }

  /// Writes each value in turn, encoded as its type says (u8, u32, u64, i64, str, strs): a record's
  /// field types are its format.
  template <class... T>
  void fields(const T&... v) {
    (put(v), ...);
  }

 private:
  void put(std::uint8_t v) { u8(v); }
  void put(std::uint32_t v) { u32(v); }
  void put(std::uint64_t v) { u64(v); }
  void put(std::int64_t v) { i64(v); }
  void put(std::string_view v) { str(v); }
  void put(const std::vector<std::string>& v) { strs(v); }

  std::string& out_;
};

class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}
  bool u8(std::uint8_t& v);
  bool u32(std::uint32_t& v);
  bool u64(std::uint64_t& v);
  bool i64(std::int64_t& v);
  bool str(std::string& v);
  bool str(std::string_view& v);
  bool strs(std::vector<std::string>& v);
  bool raw(std::size_t n, std::string_view& v);
  bool done() const noexcept { return in_.empty(); }

  /// Reads each value in turn, the inverse of writer::fields; false at the first that does not read.
  template <class... T>
  bool fields(T&... v) {
    return (get(v) && ...);
  }

 private:
  bool get(std::uint8_t& v) { return u8(v); }
  bool get(std::uint32_t& v) { return u32(v); }
  bool get(std::uint64_t& v) { return u64(v); }
  bool get(std::int64_t& v) { return i64(v); }
  bool get(std::string& v) { return str(v); }
  bool get(std::vector<std::string>& v) { return strs(v); }

  std::string_view in_;
};

// ---- keys -----------------------------------------------------------------------------------------

/// Longest party, recipient or referentienummer: keys must stay under LMDB's 511-byte key limit.
inline constexpr std::size_t max_name = 255;
/// Party and recipient names are key prefixes terminated by NUL, so they must not contain one.
inline bool valid_name(std::string_view s) noexcept {
  return !s.empty() && s.size() <= max_name && s.find('\0') == std::string_view::npos;
}
/// dedup key: party NUL referentienummer
std::string dedup_key(std::string_view party, std::string_view refnr);
/// outbox key: recipient NUL be64(seq)
std::string outbox_key(std::string_view recipient, std::uint64_t seq);
/// Splits an outbox key. @return false if malformed.
bool split_outbox_key(std::string_view key, std::string_view& recipient, std::uint64_t& seq) noexcept;

// ---- records ----------------------------------------------------------------------------------------

inline constexpr std::uint8_t flag_parked = 1;
inline constexpr std::uint8_t flag_purged = 2;

/// messages db value (key be64(message_id)). The body lives in a blob: bytes [offset, offset+len)
/// of the blobs db value under be64(blob_id).
struct message_rec {
  std::uint8_t flags = 0;
  std::int64_t received_at_ms = 0, accepted_at_ms = 0;
  std::uint64_t blob_id = 0;
  std::uint32_t body_offset = 0, body_len = 0;  // the encoding follows these types (writer::fields)
  std::string party, refnr, message_type, route_version, park_reason;
  std::vector<std::string> recipients;
  std::vector<std::string> matched_rules;
  /// Set once a later message of the same party corrected (mutation::correction) or withdrew it:
  /// that message's id and kind. Written as record version 2; a record without it stays version 1.
  std::uint64_t superseded_by = 0;
  std::uint8_t superseded_kind = 0;
};
void encode(const message_rec& r, std::string& out);
bool decode(std::string_view in, message_rec& r);

/// dedup db value.
struct dedup_rec {
  std::array<unsigned char, 32> sha256{};
  std::uint64_t message_id = 0;
  std::int64_t accepted_at_ms = 0;
};
void encode(const dedup_rec& r, std::string& out);
bool decode(std::string_view in, dedup_rec& r);

/// blobs db value: u32 count, count x (u64 message_id), then the bodies back to back. The header
/// lets retention find every message of a blob without an index.
struct blob_header {
  std::vector<std::uint64_t> ids;
  std::size_t header_len = 0;
};
bool decode_blob_header(std::string_view blob, blob_header& h);
/// Set in a blob's count when its bodies are sealed (body_codec); a legacy blob never has it.
inline constexpr std::uint32_t blob_sealed = 0x80000000u;
inline std::size_t blob_header_len(std::size_t count) noexcept {
  return 4 + 8 * count;
}

/// audit db value (key be64(audit seq)): at, kind (u8), message id, party, detail, then (chained
/// records, all written since the chain exists) u64 seq, 32 bytes prev hash, 32 bytes hash. The
/// seq inside the value makes a record moved to another key show as out of order; a record
/// without the chain decodes with seq 0 (its key says it). `damage` is never stored.
void encode(const audit_record& r, std::string& out);
bool decode(std::string_view in, audit_record& r);

/// SHA-256 (OpenSSL EVP). @return false only if OpenSSL fails.
bool sha256(std::string_view data, std::array<unsigned char, 32>& out) noexcept;

}  // namespace jubes::storage::codec
