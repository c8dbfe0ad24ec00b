// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Bodies at rest: the one sealing layer of both backends (LMDB blobs, PostgreSQL messages.body).
// seal(plain) -> stored bytes: optionally zstd-compressed, then optionally AES-256-GCM-encrypted
// under the active data key, behind a small versioned header (docs/storage.md, "Bodies at rest"):
//
//   0   1B 'J'            magic (no XML document and no legacy LMDB blob starts with 0x1B)
//   2   u8  version = 1
//   3   u8  flags         bit 0 zstd, bit 1 AES-256-GCM
//   4   be32 key id       0 when not encrypted
//   8   be32 dict id      0: no dictionary
//   12  be32 plain length
//   16  12-byte nonce     only when encrypted
//   ..  payload           (compressed) bytes, encrypted when flagged
//   ..  16-byte GCM tag   only when encrypted
//
// The header (with the nonce) and a caller's context (e.g. the blob id) are the GCM additional
// data, so a header, a payload or a blob moved elsewhere fails authentication.
// Data keys are wrapped (AES-256-GCM) under a key-encryption key that never touches the store.
//
// Lifecycle: a body_codec is built once per open store; set_keys() swaps the key ring (rotation).
// Threading: seal() and open() may run on any thread concurrently (per-thread zstd and cipher
// contexts); set_keys() may run concurrently with them.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "storage/types.hpp"

namespace jubes::storage {

/// The store's data keys by id, and the one new writes use.
struct key_ring {
  std::map<std::uint32_t, key_bytes> keys;
  std::uint32_t active = 0;  ///< 0: no encryption
};

/// @return 32 bytes from OpenSSL's CSPRNG.
key_bytes random_key();

/// Wraps data key `id` under `kek`: nonce (12) || ciphertext (32) || tag (16).
std::string wrap_key(const key_bytes& kek, std::uint32_t id, const key_bytes& dek);
/// @return the data key, or errc::bad_key when the tag does not match (a wrong KEK).
jubes::result<key_bytes> unwrap_key(const key_bytes& kek, std::uint32_t id, std::string_view wrapped);

/// Reads a KEK: 32 raw bytes, or 64 hex digits with an optional newline. Refused (errc::bad_key,
/// the file named) when missing, of another size, or readable by group or others.
jubes::result<key_bytes> read_kek_file(const std::filesystem::path& p);

/// What a stored value's header says (peek()).
struct sealed_info {
  bool compressed = false;
  bool encrypted = false;
  std::uint32_t key_id = 0;
  std::uint32_t plain_len = 0;
};

class body_codec {
 public:
  body_codec(compression c, std::shared_ptr<const key_ring> keys, int zstd_level = 3);

  /// Replaces the key ring (rotation): later seals use its active key; open() finds old keys in it.
  void set_keys(std::shared_ptr<const key_ring> keys);
  std::shared_ptr<const key_ring> keys() const;
  /// Whether seal() changes anything (compression or encryption on).
  bool sealing() const;

  /// Appends the sealed form of `plain` to `out`. `context` is bound into the authentication tag.
  jubes::result<void> seal(std::string_view plain, std::string_view context, std::string& out) const;
  /// Replaces `out` with the plain bytes. @return errc::corrupt (damaged, wrong key, wrong context,
  /// unknown key id: named) — never a crash on any input.
  jubes::result<void> open(std::string_view stored, std::string_view context, std::string& out) const;

  /// @return the header of a sealed value, std::nullopt for anything else (a legacy plain value).
  static std::optional<sealed_info> peek(std::string_view stored);

 private:
  compression comp_;
  int level_;
  mutable std::mutex mu_;
  std::shared_ptr<const key_ring> keys_;
};

}  // namespace jubes::storage
