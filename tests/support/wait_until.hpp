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
