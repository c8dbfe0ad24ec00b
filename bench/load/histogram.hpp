// SPDX-License-Identifier: EUPL-1.2
#pragma once
// A latency histogram with logarithmic buckets (HdrHistogram's idea, our own small code): values in
// microseconds, 32 linear sub-buckets per power of two, so every recorded value is known to within
// about 3% over the whole range 1 us .. 2^40 us, in a fixed 41*32-entry array. Recording is O(1) and
// allocation-free; percentiles are read by one pass over the counts.
//
// Threading: not thread-safe. Each connection keeps its own histogram; merge() them at the end.
#include <array>
#include <cstdint>

namespace jubes::bench {

class histogram {
 public:
  static constexpr int sub_bits = 5;  // 32 sub-buckets
  static constexpr int sub = 1 << sub_bits;
  static constexpr int octaves = 41;

  /// @param us a latency in microseconds (values beyond the range land in the last bucket)
  void record(std::uint64_t us);
  void merge(const histogram& o);
  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  /// @param q quantile in [0,1]
  /// @return the upper edge of the bucket holding the q-th value, in microseconds (0 if empty);
  ///         never above the largest recorded value
  std::uint64_t quantile(double q) const;

  /// @return the bucket index of `us` (exposed for tests)
  static int index_of(std::uint64_t us);
  /// @return the largest value that maps to bucket `i`
  static std::uint64_t upper_of(int i);

 private:
  std::array<std::uint64_t, octaves * sub> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace jubes::bench
