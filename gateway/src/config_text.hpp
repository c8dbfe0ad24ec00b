// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: how the key table's kinds and numbers are written, shared by the loader's error messages
// (config.cpp) and the generated documentation (config_doc.cpp), so both say the same.
#include <string>

#include "gateway/config.hpp"

namespace jubes::gateway::detail {

/// @return the kind as the documentation and error messages name it ("integer", "HOST:PORT", ...).
std::string kind_name(key_kind k);
/// @return `d` without a fraction when it has none ("65535", "0.5").
std::string fmt_num(double d);

}  // namespace jubes::gateway::detail
