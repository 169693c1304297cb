// IoLock: the lock that lets only one goroutine at a time read (or write, or accept) on one
// socket, as the netpoller allows one waiter per direction. Waiters queue FIFO and park (a
// goroutine) or wait on a futex (a thread); the lock passes straight from unlock() to the
// oldest waiter.
#pragma once

#include <atomic>
#include <cstdint>

#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/wait_state.hpp"

namespace gopool::detail {

class IoLock {
 public:
  IoLock() noexcept = default;
  IoLock(const IoLock&) = delete;
  IoLock& operator=(const IoLock&) = delete;

  // lock: takes the lock, waiting behind earlier callers.
  void lock() noexcept {
    std::uint32_t expected = 0;
    if (!state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      lock_slow();
    }
  }

  // unlock: releases the lock, handing it to the oldest waiter if any.
  void unlock() noexcept {
    std::uint32_t expected = kLocked;
    if (!state_.compare_exchange_strong(expected, 0, std::memory_order_release,
                                        std::memory_order_relaxed)) {
      unlock_slow();
    }
  }

 private:
  struct Waiter {
    WaitState ws;  // woken by unlock_slow() when it hands the lock over
    Waiter* next = nullptr;
  };
  static constexpr WaitState::Result kGranted = WaitState::kFirstResult;
  static constexpr std::uint32_t kLocked = 1;
  static constexpr std::uint32_t kQueued = 2;  // the queue is not empty (changed under mu_)

  void lock_slow() noexcept;
  void unlock_slow() noexcept;

  std::atomic<std::uint32_t> state_{0};
  SpinLock mu_;  // guards the queue
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

}  // namespace gopool::detail
