// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Checks of what goes into text columns (PostgreSQL refuses NUL and invalid UTF-8 in text, which
// would fail a whole batch: the writer refuses such a request alone), and SHA-256.
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace jubes::pgstore::detail {

inline constexpr std::size_t max_name = 255;

/// Valid UTF-8 without NUL.
bool valid_text(std::string_view s) noexcept;
/// A party or recipient name: non-empty, at most 255 bytes, valid text.
bool valid_name(std::string_view s) noexcept;
bool valid_names(const std::vector<std::string>& v) noexcept;

/// @return false only if OpenSSL failed
bool sha256(std::string_view data, std::array<unsigned char, 32>& out) noexcept;
std::string hex(std::string_view bytes);

}  // namespace jubes::pgstore::detail
