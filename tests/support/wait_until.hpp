// wait_until: polls a condition for up to a generous limit, for state that settles
// asynchronously (a goroutine's exit is counted just after it signals). Never a timing check.
#pragma once

#include <chrono>
#include <thread>

namespace gopool::test {

template <class Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace gopool::test

#include <gopool/runtime.hpp>

namespace gopool::test {

// The number of goroutines once it has stopped changing: goroutines that just signalled their
// end still need a moment to switch away and be counted out.
inline std::int64_t settled_num_goroutines() {
  std::int64_t last = gopool::num_goroutines();
  for (int stable = 0; stable < 20;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const std::int64_t now = gopool::num_goroutines();
    stable = now == last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

}  // namespace gopool::test
