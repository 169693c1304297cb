// WaitGroup: wait for a collection of goroutines (or threads) to finish, as Go's sync.WaitGroup.
#pragma once

#include <atomic>
#include <cstdint>

#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/wait_state.hpp"

namespace gopool {

// WaitGroup counts outstanding work: add(n) before starting it, done() when each finishes,
// wait() until the count is zero. Usable from goroutines and foreign threads.
class WaitGroup {
 public:
  WaitGroup() = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;
  // Destroying a WaitGroup that still has waiters is a fatal error.
  ~WaitGroup();

  // add: adds delta (may be negative) to the counter. When it reaches zero, every waiter wakes.
  // A counter that goes negative is a fatal error ("sync: negative WaitGroup counter"), as in Go;
  // so is a delta outside the 32-bit range or a counter beyond it.
  void add(std::int64_t delta = 1) noexcept;

  // done: add(-1).
  void done() noexcept { add(-1); }

  // wait: blocks until the counter is zero (a goroutine parks, a thread waits on a futex).
  // Returns at once if it already is.
  void wait() noexcept;

  // The current counter (for diagnostics).
  std::int64_t count() const noexcept {
    return static_cast<std::int32_t>(state_.load(std::memory_order_acquire) >> 32);
  }

 private:
  struct Waiter {
    detail::WaitState ws;  // woken by the add() that brings the counter to zero
    Waiter* next = nullptr;
  };
  // The counter (high 32 bits, signed) and the number of waiters (low 32 bits) in one word,
  // as Go does: the add() that brings the counter to zero knows at once whether anyone waits,
  // and touches nothing else of the WaitGroup if nobody does (it may be destroyed right away).
  std::atomic<std::uint64_t> state_{0};
  detail::SpinLock mu_;  // guards waiters_; taken only when waiting or releasing waiters
  Waiter* waiters_ = nullptr;
};

}  // namespace gopool
