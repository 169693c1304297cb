// RunQueue, a P's local ring, driven directly with made-up goroutine pointers (never
// dereferenced): every goroutine put in comes out exactly once, whether its owner pops it,
// another queue steals it, or a steal lands in a queue that is almost full (chaos mode steals
// into busy queues; a steal that overran the thief's ring once lost goroutines for good).
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "runtime/run_queue.hpp"

using gopool::detail::G;
using gopool::detail::RunQueue;

namespace {

G* fake_g(std::uintptr_t i) {
  return reinterpret_cast<G*>((i + 1) * 64);  // NOLINT(performance-no-int-to-ptr)
}

std::uintptr_t index_of(const G* g) {
  return reinterpret_cast<std::uintptr_t>(g) / 64 - 1;
}

// Drains q into seen, counting each goroutine.
void drain(RunQueue& q, std::vector<int>& seen) {
  while (G* g = q.pop())
    ++seen[index_of(g)];
}

}  // namespace

TEST_CASE("a steal into an almost full queue takes only what fits and loses nothing") {
  for (std::uint32_t thief_has : {0u, 1u, 100u, 128u, 200u, 255u, 256u}) {
    CAPTURE(thief_has);
    RunQueue victim;
    RunQueue thief;
    std::uintptr_t next = 0;
    for (std::uint32_t i = 0; i < thief_has; ++i)
      REQUIRE(thief.push(fake_g(next++)));
    for (std::uint32_t i = 0; i < RunQueue::kSize; ++i)
      REQUIRE(victim.push(fake_g(next++)));
    std::vector<int> seen(next, 0);
    G* got = victim.steal_half(thief);
    REQUIRE(got != nullptr);
    ++seen[index_of(got)];
    CHECK(thief.size() <= RunQueue::kSize);
    drain(thief, seen);
    drain(victim, seen);
    for (std::uintptr_t i = 0; i < next; ++i) {
      CAPTURE(i);
      CHECK(seen[i] == 1);
    }
  }
}

TEST_CASE("an owner pushing and popping while thieves steal: each goroutine comes out once") {
  constexpr std::uintptr_t kGs = 200000;
  constexpr int kThieves = 3;
  RunQueue owner;
  std::vector<RunQueue> thieves(kThieves);
  std::vector<std::vector<int>> seen(kThieves + 1, std::vector<int>(kGs, 0));
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThieves; ++t) {
    threads.emplace_back([&, t] {
      // Each thief keeps some of its loot queued, so that most steals land in a busy queue.
      while (!done.load(std::memory_order_acquire)) {
        if (G* g = owner.steal_half(thieves[t])) ++seen[t][index_of(g)];
        while (thieves[t].size() > 200)
          ++seen[t][index_of(thieves[t].pop())];
      }
      drain(thieves[t], seen[t]);
    });
  }
  for (std::uintptr_t i = 0; i < kGs; ++i) {
    while (!owner.push(fake_g(i))) {
      if (G* g = owner.pop()) ++seen[kThieves][index_of(g)];
    }
    if (i % 3 == 0) {
      if (G* g = owner.pop()) ++seen[kThieves][index_of(g)];
    }
  }
  drain(owner, seen[kThieves]);
  done.store(true, std::memory_order_release);
  for (auto& t : threads)
    t.join();
  drain(owner, seen[kThieves]);
  int lost = 0;
  int twice = 0;
  for (std::uintptr_t i = 0; i < kGs; ++i) {
    int n = 0;
    for (const auto& s : seen)
      n += s[i];
    lost += n == 0 ? 1 : 0;
    twice += n > 1 ? 1 : 0;
  }
  CHECK(lost == 0);
  CHECK(twice == 0);
}
