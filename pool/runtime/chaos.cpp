#include "runtime/chaos.hpp"

#if defined(GOPOOL_CHAOS)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#endif

namespace gopool::detail::chaos {

#if defined(GOPOOL_CHAOS)
namespace {

std::uint64_t splitmix(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

std::uint64_t run_seed() noexcept {
  static const std::uint64_t value = [] {
    std::uint64_t s = 0;
    if (const char* env = std::getenv("GOPOOL_CHAOS_SEED"); env != nullptr && *env != '\0') {
      s = std::strtoull(env, nullptr, 0);
    } else {
      s = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    std::fprintf(stderr, "gopool: chaos mode, seed %llu (replay with GOPOOL_CHAOS_SEED=%llu)\n",
                 static_cast<unsigned long long>(s), static_cast<unsigned long long>(s));
    return s;
  }();
  return value;
}

std::atomic<std::uint64_t> g_thread_index{0};

}  // namespace

bool roll(std::uint32_t one_in) noexcept {
  // Each thread's stream is fixed by the seed and the order in which threads first roll.
  thread_local std::uint64_t state =
      run_seed() ^ (0x5851f42d4c957f2dULL * (g_thread_index.fetch_add(1) + 1));
  return splitmix(state) % one_in == 0;
}

std::uint64_t seed() noexcept {
  return run_seed();
}
#else
std::uint64_t seed() noexcept {
  return 0;
}
#endif

}  // namespace gopool::detail::chaos
