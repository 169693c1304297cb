#include "net/io_lock.hpp"

#include <mutex>

namespace gopool::detail {

void IoLock::lock_slow() noexcept {
  Waiter me;
  {
    std::lock_guard guard(mu_);
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    for (;;) {
      if (s == 0) {
        if (state_.compare_exchange_weak(s, kLocked, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          return;
        }
        continue;
      }
      // Locked: mark the queue non-empty so that unlock() takes the slow path and hands over.
      if (state_.compare_exchange_weak(s, kLocked | kQueued, std::memory_order_relaxed,
                                       std::memory_order_relaxed)) {
        break;
      }
    }
    if (tail_ != nullptr) {
      tail_->next = &me;
    } else {
      head_ = &me;
    }
    tail_ = &me;
  }
  (void)me.ws.wait(WaitReason::io);
}

void IoLock::unlock_slow() noexcept {
  Waiter* next = nullptr;
  {
    std::lock_guard guard(mu_);
    next = head_;
    if (next == nullptr) {  // cannot happen: kQueued is set only with a waiter queued
      state_.store(0, std::memory_order_release);
      return;
    }
    head_ = next->next;
    if (head_ == nullptr) tail_ = nullptr;
    // The lock stays taken: it passes to `next`.
    state_.store(head_ == nullptr ? kLocked : (kLocked | kQueued), std::memory_order_release);
  }
  next->ws.wake(kGranted);  // `next` may return from here on
}

}  // namespace gopool::detail
