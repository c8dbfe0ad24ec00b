// SPDX-License-Identifier: EUPL-1.2
// AES-256-GCM (aead.hpp), data keys wrapped under the key-encryption key, and the KEK file.
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

#include "aead.hpp"
#include "storage/body_codec.hpp"
#include "storage/errc.hpp"

namespace jubes::storage {

namespace aead {
namespace {

struct ctx_free {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

/// One context per thread, re-initialised per call (saves an allocation per blob).
EVP_CIPHER_CTX* ctx() {
  thread_local std::unique_ptr<EVP_CIPHER_CTX, ctx_free> c(EVP_CIPHER_CTX_new());
  return c.get();
}

const unsigned char* u(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool add_aad(EVP_CIPHER_CTX* c, std::string_view a, bool enc) {
  int n = 0;
  if (a.empty()) return true;
  return (enc ? EVP_EncryptUpdate(c, nullptr, &n, u(a), static_cast<int>(a.size()))
              : EVP_DecryptUpdate(c, nullptr, &n, u(a), static_cast<int>(a.size()))) == 1;
}

}  // namespace

bool encrypt(const key_bytes& key, const unsigned char* nonce, std::string_view aad1, std::string_view aad2,
             std::string_view plain, unsigned char* out, unsigned char* tag) {
  EVP_CIPHER_CTX* c = ctx();
  int n = 0;
  if (!c || EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), nullptr, key.data(), nonce) != 1) return false;
  if (!add_aad(c, aad1, true) || !add_aad(c, aad2, true)) return false;
  if (!plain.empty() && EVP_EncryptUpdate(c, out, &n, u(plain), static_cast<int>(plain.size())) != 1) return false;
  int fin = 0;
  if (EVP_EncryptFinal_ex(c, out + n, &fin) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_len), tag) == 1;
}

bool decrypt(const key_bytes& key, const unsigned char* nonce, std::string_view aad1, std::string_view aad2,
             std::string_view cipher, unsigned char* out, const unsigned char* tag) {
  EVP_CIPHER_CTX* c = ctx();
  int n = 0;
  if (!c || EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), nullptr, key.data(), nonce) != 1) return false;
  if (!add_aad(c, aad1, false) || !add_aad(c, aad2, false)) return false;
  if (!cipher.empty() && EVP_DecryptUpdate(c, out, &n, u(cipher), static_cast<int>(cipher.size())) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_len), const_cast<unsigned char*>(tag)) != 1)
    return false;
  int fin = 0;
  return EVP_DecryptFinal_ex(c, out + n, &fin) == 1;
}

bool random(unsigned char* p, std::size_t n) {
  return RAND_bytes(p, static_cast<int>(n)) == 1;
}

}  // namespace aead

namespace {

/// The wrapped key's additional data: what it is and its id, so a wrapped key cannot be moved.
std::string wrap_aad(std::uint32_t id) {
  std::string a = "jubes-dek-v1:";
  for (int s = 24; s >= 0; s -= 8) a.push_back(static_cast<char>((id >> s) & 0xff));
  return a;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

jubes::error kek_refused(const std::filesystem::path& p, const std::string& why) {
  return fail(errc::bad_key, "key-encryption key " + p.string() + ": " + why);
}

}  // namespace

key_bytes random_key() {
  key_bytes k{};
  if (!aead::random(k.data(), k.size())) throw std::runtime_error("RAND_bytes failed");
  return k;
}

std::string wrap_key(const key_bytes& kek, std::uint32_t id, const key_bytes& dek) {
  std::string w(aead::nonce_len + dek.size() + aead::tag_len, '\0');
  auto* p = reinterpret_cast<unsigned char*>(w.data());
  if (!aead::random(p, aead::nonce_len) ||
      !aead::encrypt(kek, p, wrap_aad(id), {}, std::string_view(reinterpret_cast<const char*>(dek.data()), dek.size()),
                     p + aead::nonce_len, p + aead::nonce_len + dek.size()))
    throw std::runtime_error("AES-256-GCM key wrap failed");
  return w;
}

jubes::result<key_bytes> unwrap_key(const key_bytes& kek, std::uint32_t id, std::string_view wrapped) {
  key_bytes dek{};
  if (wrapped.size() != aead::nonce_len + dek.size() + aead::tag_len)
    return fail(errc::corrupt,
                "data key " + std::to_string(id) + ": wrapped key of " + std::to_string(wrapped.size()) + " bytes");
  const auto* p = reinterpret_cast<const unsigned char*>(wrapped.data());
  if (!aead::decrypt(kek, p, wrap_aad(id), {}, wrapped.substr(aead::nonce_len, dek.size()), dek.data(),
                     p + aead::nonce_len + dek.size()))
    return fail(errc::bad_key,
                "data key " + std::to_string(id) + " does not unwrap (GCM tag mismatch): wrong key-encryption key");
  return dek;
}

jubes::result<key_bytes> read_kek_file(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return kek_refused(p, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return kek_refused(p, "not a regular file");
  if ((st.st_mode & 077) != 0) return kek_refused(p, "readable by group or others (chmod 0600 or 0400)");
  std::ifstream in(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return kek_refused(p, "cannot read");
  key_bytes k{};
  if (s.size() == k.size()) {
    std::memcpy(k.data(), s.data(), k.size());
    return k;
  }
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (s.size() != 2 * k.size()) return kek_refused(p, "must hold 32 bytes or 64 hex digits");
  for (std::size_t i = 0; i < k.size(); ++i) {
    int hi = hex(s[2 * i]), lo = hex(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return kek_refused(p, "must hold 32 bytes or 64 hex digits");
    k[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return k;
}

}  // namespace jubes::storage
