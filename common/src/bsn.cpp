// SPDX-License-Identifier: EUPL-1.2
#include "common/bsn.hpp"

#include <cstddef>

namespace jubes {

bool bsn_eleven_test(std::string_view bsn) noexcept {
  if (bsn.size() != 9) return false;
  int sum = 0;
  bool all_zero = true;
  for (std::size_t i = 0; i < 9; ++i) {
    if (bsn[i] < '0' || bsn[i] > '9') return false;
    const int d = bsn[i] - '0';
    all_zero = all_zero && d == 0;
    sum += i < 8 ? d * static_cast<int>(9 - i) : -d;
  }
  return !all_zero && sum % 11 == 0;
}

}  // namespace jubes
