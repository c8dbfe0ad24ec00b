// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The random numbers of one message (a splitmix64 stream, mix()), private to the generator:
// generator.cpp draws a template's first number with it, notice.cpp the rest of the notice.
#include <cstdint>

#include "generator.hpp"

namespace jubes::bench {

// A tiny deterministic stream of random numbers per message.
struct rng {
  std::uint64_t s;
  std::uint64_t next() { return s = mix(s); }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
};

}  // namespace jubes::bench
