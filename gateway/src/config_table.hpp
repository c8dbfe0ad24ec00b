// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the configuration key table (every key, its default, range, meaning and setter, defined
// once), shared by the loader (config.cpp) and the generated documentation (config_keys()).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config.hpp"

namespace jubes::gateway::detail {

/// A parsed scalar or list value, handed to a key's setter.
struct value {
  std::string s;
  std::int64_t i = 0;
  double d = 0;
  bool b = false;
  std::vector<std::string> list;
  endpoint ep;
};

using setter = void (*)(config&, const value&);

struct key_desc {
  key_info info;
  setter set;
};

/// @return every key in documentation order.
const std::vector<key_desc>& key_table();
/// @return the key with this path ("limits.max_body_bytes", "parties[].id"), or nullptr.
const key_desc* find_key(std::string_view path);

}  // namespace jubes::gateway::detail
