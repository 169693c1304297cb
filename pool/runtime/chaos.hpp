// Chaos mode (GOPOOL_CHAOS=ON at configure time): the runtime makes, at random, the events that
// every wait must survive by construction: spurious returns from parks, stale and duplicate
// wake-ups, delayed wake-ups, yields at switch points, and perturbed run-queue placement and
// steals. Decisions come from a per-thread generator derived from one seed, printed at start
// and taken from GOPOOL_CHAOS_SEED when set, so a failing run's choices can be replayed (the
// interleaving of threads still varies). In a normal build every hook is a constant false.
#pragma once

#include <cstdint>

namespace gopool::detail::chaos {

#if defined(GOPOOL_CHAOS)
inline constexpr bool kEnabled = true;
// roll: true with probability 1/one_in.
bool roll(std::uint32_t one_in) noexcept;
#else
inline constexpr bool kEnabled = false;
inline bool roll(std::uint32_t /*one_in*/) noexcept {
  return false;
}
#endif

// The seed of this run's chaos (0 in a normal build).
std::uint64_t seed() noexcept;

// Odds of each injected event (1 in N).
inline constexpr std::uint32_t kSpuriousReturn = 4;  // a park returns without a wake-up
inline constexpr std::uint32_t kStaleWake = 8;       // a finished wait leaves a wake-up behind
inline constexpr std::uint32_t kDuplicateWake = 8;   // a waker unparks an owner that is not parked
inline constexpr std::uint32_t kDelayedWake = 8;     // a waker's thread yields before its wake
inline constexpr std::uint32_t kYield = 16;          // a goroutine yields at a switch point
inline constexpr std::uint32_t kRunqTail = 2;        // a readied goroutine skips runnext
inline constexpr std::uint32_t kStealAnyway = 4;     // an M steals though it has local work

}  // namespace gopool::detail::chaos
