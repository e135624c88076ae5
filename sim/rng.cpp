#include "dsim/sim/rng.h"

namespace dsim {

Rng::Rng(std::uint64_t seed_material) {
  std::uint64_t sm = seed_material;
  for (auto& word : s_) word = splitmix64(sm);
  // xoshiro must not start from the all-zero state; SplitMix64 outputs are never
  // all zero for four consecutive calls, but keep the guard explicit.
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
}

Rng Rng::stream(std::uint64_t seed, std::string_view name) {
  std::uint64_t sm = seed;
  const std::uint64_t a = splitmix64(sm);
  return Rng(a ^ fnv1a64(name));
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire, "Fast Random Integer Generation in an Interval" (2019).
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

}  // namespace dsim
