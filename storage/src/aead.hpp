// SPDX-License-Identifier: EUPL-1.2
#pragma once
// AES-256-GCM through OpenSSL EVP, for the data keys' wrapping (keys.cpp) and the bodies
// (body_codec.cpp). Threading: any thread; each thread reuses its own cipher context.
#include <cstddef>
#include <string_view>

#include "storage/types.hpp"

namespace jubes::storage::aead {

inline constexpr std::size_t nonce_len = 12;
inline constexpr std::size_t tag_len = 16;

/// Encrypts `plain` into `out` (plain.size() bytes) and writes the tag; `aad1` and `aad2` are
/// authenticated, not encrypted. @return false only when OpenSSL fails.
bool encrypt(const key_bytes& key, const unsigned char* nonce, std::string_view aad1, std::string_view aad2,
             std::string_view plain, unsigned char* out, unsigned char* tag);
/// @return false when the tag does not match (wrong key, damaged bytes or additional data).
bool decrypt(const key_bytes& key, const unsigned char* nonce, std::string_view aad1, std::string_view aad2,
             std::string_view cipher, unsigned char* out, const unsigned char* tag);
/// Fills `n` bytes from OpenSSL's CSPRNG. @return false when it fails.
bool random(unsigned char* p, std::size_t n);

}  // namespace jubes::storage::aead
