// SPDX-License-Identifier: EUPL-1.2
#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace jubes::bench {

// Bucket layout: values below 2*sub map one-to-one (octaves 0 and 1); above, octave k >= 1 covers
// [sub << (k-1), sub << k) with `sub` buckets of width 1 << (k-1).
int histogram::index_of(std::uint64_t us) {
  if (us < static_cast<std::uint64_t>(sub)) return static_cast<int>(us);
  int msb = 63 - std::countl_zero(us);  // >= sub_bits
  int octave = msb - sub_bits + 1;      // >= 1
  int shift = octave - 1;
  int idx = octave * sub + static_cast<int>((us >> shift) - static_cast<std::uint64_t>(sub));
  return std::min(idx, octaves * sub - 1);
}

std::uint64_t histogram::upper_of(int i) {
  int octave = i / sub;
  std::uint64_t offset = static_cast<std::uint64_t>(i % sub);
  if (octave == 0) return offset;
  int shift = octave - 1;
  return ((static_cast<std::uint64_t>(sub) + offset + 1) << shift) - 1;
}

void histogram::record(std::uint64_t us) {
  ++counts_[static_cast<std::size_t>(index_of(us))];
  ++count_;
  max_ = std::max(max_, us);
}

void histogram::merge(const histogram& o) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  max_ = std::max(max_, o.max_);
}

std::uint64_t histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::max<std::uint64_t>(rank, 1);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper_of(static_cast<int>(i)), max_);
  }
  return max_;
}

}  // namespace jubes::bench
