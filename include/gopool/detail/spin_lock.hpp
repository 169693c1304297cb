// SpinLock: a tiny lock for critical sections of a few instructions, safe to take from a
// goroutine or a scheduler thread (it never parks). Meets Lockable, so std::lock_guard works.
#pragma once

#include <atomic>

#include "gopool/detail/cpu_relax.hpp"

namespace gopool::detail {

class SpinLock {
 public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) {
        cpu_relax();
      }
    }
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace gopool::detail
