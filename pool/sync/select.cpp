// select's random source: a per-OS-thread xorshift generator. Read only inside this non-inlined
// function, so a goroutine that migrates between threads never keeps a stale thread-local.
#include <atomic>
#include <chrono>
#include <cstdint>

#include "gopool/select.hpp"

namespace gopool::detail {
namespace {

std::uint64_t seed() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t x =
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
      (counter.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ULL);
  // splitmix64 finaliser, so neighbouring seeds give unrelated streams; never zero.
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x != 0 ? x : 1;
}

}  // namespace

__attribute__((noinline)) std::uint32_t select_rand() noexcept {
  thread_local std::uint64_t state = seed();
  std::uint64_t x = state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  state = x;
  return static_cast<std::uint32_t>(x >> 32);
}

}  // namespace gopool::detail
