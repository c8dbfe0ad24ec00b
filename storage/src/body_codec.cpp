// SPDX-License-Identifier: EUPL-1.2
#include "storage/body_codec.hpp"

#include <zstd.h>

#include <cstring>

#include "aead.hpp"
#include "storage/errc.hpp"

namespace jubes::storage {

namespace {

constexpr unsigned char magic0 = 0x1B, magic1 = 'J', version = 1;
constexpr unsigned char flag_zstd = 1, flag_gcm = 2;
constexpr std::size_t header_len = 16;
// Nothing the gateway accepts is near this; a damaged unauthenticated header never allocates more.
constexpr std::uint32_t max_plain = 1u << 30;

struct cctx_free {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct dctx_free {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

/// Per-thread contexts: the writer thread compresses every group's blobs with one context.
ZSTD_CCtx* cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, cctx_free> c(ZSTD_createCCtx());
  return c.get();
}
ZSTD_DCtx* dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, dctx_free> c(ZSTD_createDCtx());
  return c.get();
}
std::string& buffer() {
  thread_local std::string b;
  return b;
}

void put32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
}
std::uint32_t get32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}
unsigned char* bytes(std::string& s, std::size_t at) {
  return reinterpret_cast<unsigned char*>(s.data()) + at;
}
const unsigned char* bytes(std::string_view s, std::size_t at) {
  return reinterpret_cast<const unsigned char*>(s.data()) + at;
}

jubes::error damaged(const std::string& why) {
  return fail(errc::corrupt, "sealed body: " + why);
}

/// Compresses into the thread's buffer. @return false when zstd fails or it would not shrink.
bool compress(std::string_view plain, int level, std::string_view& out) {
  auto& b = buffer();
  b.resize(ZSTD_compressBound(plain.size()));
  std::size_t n = ZSTD_compressCCtx(cctx(), b.data(), b.size(), plain.data(), plain.size(), level);
  if (ZSTD_isError(n) || n >= plain.size()) return false;
  out = std::string_view(b.data(), n);
  return true;
}

jubes::result<void> decompress(std::string_view in, std::uint32_t plain_len, std::string& out) {
  out.resize(plain_len);
  std::size_t n = ZSTD_decompressDCtx(dctx(), out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n)) return damaged(std::string("zstd: ") + ZSTD_getErrorName(n));
  if (n != plain_len) return damaged("decompressed to another length than its header says");
  return {};
}

}  // namespace

body_codec::body_codec(compression c, std::shared_ptr<const key_ring> keys, int zstd_level)
    : comp_(c), level_(zstd_level), keys_(keys ? std::move(keys) : std::make_shared<const key_ring>()) {}

void body_codec::set_keys(std::shared_ptr<const key_ring> keys) {
  std::lock_guard lk(mu_);
  keys_ = std::move(keys);
}

std::shared_ptr<const key_ring> body_codec::keys() const {
  std::lock_guard lk(mu_);
  return keys_;
}

bool body_codec::sealing() const {
  return comp_ != compression::none || keys()->active != 0;
}

std::optional<sealed_info> body_codec::peek(std::string_view s) {
  if (s.size() < header_len || static_cast<unsigned char>(s[0]) != magic0 || s[1] != magic1) return std::nullopt;
  sealed_info i;
  const auto flags = static_cast<unsigned char>(s[3]);
  i.compressed = flags & flag_zstd;
  i.encrypted = flags & flag_gcm;
  i.key_id = get32(s, 4);
  i.plain_len = get32(s, 12);
  return i;
}

jubes::result<void> body_codec::seal(std::string_view plain, std::string_view context, std::string& out) const {
  if (plain.size() > max_plain) return fail(errc::invalid_argument, "body too large to seal");
  const auto ring = keys();
  const key_bytes* key = nullptr;
  if (ring->active != 0) {
    auto k = ring->keys.find(ring->active);
    if (k == ring->keys.end()) return fail(errc::bad_key, "active data key missing from the key ring");
    key = &k->second;
  }
  std::string_view payload = plain;
  unsigned char flags = 0;
  if (comp_ == compression::zstd && compress(plain, level_, payload)) flags |= flag_zstd;
  if (key) flags |= flag_gcm;
  const std::size_t at = out.size();
  const std::size_t head = header_len + (key ? aead::nonce_len : 0);
  out.resize(at + head + payload.size() + (key ? aead::tag_len : 0));
  out[at] = static_cast<char>(magic0);
  out[at + 1] = static_cast<char>(magic1);
  out[at + 2] = static_cast<char>(version);
  out[at + 3] = static_cast<char>(flags);
  put32(out, at + 4, key ? ring->active : 0);
  put32(out, at + 8, 0);
  put32(out, at + 12, static_cast<std::uint32_t>(plain.size()));
  if (!key) {
    std::memcpy(out.data() + at + head, payload.data(), payload.size());
    return {};
  }
  if (!aead::random(bytes(out, at + header_len), aead::nonce_len) ||
      !aead::encrypt(*key, bytes(out, at + header_len), std::string_view(out).substr(at, head), context, payload,
                     bytes(out, at + head), bytes(out, at + head + payload.size()))) {
    out.resize(at);
    return fail(errc::io_error, "AES-256-GCM encryption failed");
  }
  return {};
}

jubes::result<void> body_codec::open(std::string_view s, std::string_view context, std::string& out) const {
  auto info = peek(s);
  if (!info) return damaged("no header");
  if (s[2] != static_cast<char>(version)) return damaged("unknown version " + std::to_string(s[2]));
  if (info->plain_len > max_plain) return damaged("plain length out of range");
  if (!info->encrypted) {
    if (!info->compressed) {
      if (s.size() - header_len != info->plain_len) return damaged("length disagrees with its header");
      out.assign(s.substr(header_len));
      return {};
    }
    return decompress(s.substr(header_len), info->plain_len, out);
  }
  const std::size_t head = header_len + aead::nonce_len;
  if (s.size() < head + aead::tag_len) return damaged("truncated");
  const auto ring = keys();
  auto k = ring->keys.find(info->key_id);
  if (k == ring->keys.end())
    return damaged("sealed with data key " + std::to_string(info->key_id) + ", which this store does not hold");
  const auto cipher = s.substr(head, s.size() - head - aead::tag_len);
  std::string& plain = info->compressed ? buffer() : out;
  plain.resize(cipher.size());
  if (!aead::decrypt(k->second, bytes(s, header_len), s.substr(0, head), context, cipher, bytes(plain, 0),
                     bytes(s, s.size() - aead::tag_len)))
    return damaged("authentication failed (data key " + std::to_string(info->key_id) + "): damaged or moved");
  if (!info->compressed) {
    if (plain.size() != info->plain_len) return damaged("length disagrees with its header");
    return {};
  }
  return decompress(plain, info->plain_len, out);
}

}  // namespace jubes::storage
