// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The Dutch citizen service number (BSN) check, in one place for the codec and the load tool.
#include <string_view>

namespace jubes {

/// The BSN eleven-test (elfproef): nine digits d1..d9 with 9*d1 + 8*d2 + ... + 2*d8 - d9 divisible
/// by 11; 000000000 is refused.
/// @return true if `bsn` is a well-formed BSN.
bool bsn_eleven_test(std::string_view bsn) noexcept;

}  // namespace jubes
