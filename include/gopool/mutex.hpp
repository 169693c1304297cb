// Mutex: a mutual-exclusion lock whose waiters park (goroutines) or wait on a futex (threads)
// instead of holding an OS thread, like Go's sync.Mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "gopool/detail/deadline.hpp"
#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/wait_queue.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

// Mutex: a non-recursive lock usable from goroutines and foreign threads, and by
// std::lock_guard / std::unique_lock / std::scoped_lock (it meets TimedLockable). Uncontended
// lock and unlock are one atomic instruction each. Contended waiters queue FIFO and the lock
// passes directly from unlock() to the longest waiter, so nobody starves. Unlike Go's, a
// locked Mutex is not meant to be unlocked by another goroutine than the owner (it works, but
// is discouraged). Destroying a Mutex that is locked or has waiters is undefined behaviour.
class Mutex {
 public:
  Mutex() noexcept = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // lock: acquires the mutex, blocking while another holds it (a goroutine parks, a thread
  // waits). Locking a mutex the caller already holds deadlocks, as in Go. Never throws.
  void lock() noexcept {
    std::uint32_t expected = 0;
    if (!state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      lock_slow();
    }
  }

  // try_lock: acquires the mutex only if it is free and nobody waits; never blocks.
  bool try_lock() noexcept {
    std::uint32_t expected = 0;
    return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  // try_lock_for / try_lock_until: as lock, but give up when the timeout expires; true if
  // acquired. A timeout <= 0 behaves as try_lock.
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> d) noexcept {
    if (d <= d.zero()) {
      return try_lock();
    }
    return try_lock_until(detail::deadline_in(d));
  }
  bool try_lock_until(Clock::time_point deadline) noexcept;

  // unlock: releases the mutex, handing it to the longest waiter if any. Never blocks.
  // Unlocking a mutex that is not locked is a fatal error ("sync: unlock of unlocked mutex"),
  // as in Go.
  void unlock() noexcept {
    std::uint32_t expected = kLocked;
    if (!state_.compare_exchange_strong(expected, 0, std::memory_order_release,
                                        std::memory_order_relaxed)) {
      unlock_slow();
    }
  }

  // waiters: how many goroutines and threads are queued for the lock (a snapshot, for
  // diagnostics and tests).
  std::size_t waiters() const noexcept;

 private:
  struct Waiter {
    detail::WaitState ws;  // woken by unlock() when it hands the mutex over
    Waiter* prev = nullptr;
    Waiter* next = nullptr;
    bool queued = false;
  };
  static constexpr detail::WaitState::Result kGranted = detail::WaitState::kFirstResult;
  static constexpr std::uint32_t kLocked = 1;
  static constexpr std::uint32_t kWaiters = 2;  // the queue is not empty (changed under mu_)

  void lock_slow() noexcept;
  void unlock_slow() noexcept;
  // Under mu_: takes the lock if free, else marks kWaiters and queues w. True if taken.
  bool acquire_or_enqueue_locked(Waiter* w) noexcept;

  std::atomic<std::uint32_t> state_{0};
  mutable detail::SpinLock mu_;      // guards the queue
  detail::WaitQueue<Waiter> queue_;  // FIFO of waiters; guarded by mu_
};

}  // namespace gopool
