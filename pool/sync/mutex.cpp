#include "gopool/mutex.hpp"

#include "gopool/detail/cpu_relax.hpp"

#include "runtime/fatal.hpp"

namespace gopool {
namespace {

constexpr int kSpins = 16;  // brief optimistic spin before queueing

}  // namespace

bool Mutex::acquire_or_enqueue_locked(Waiter* w) noexcept {
  std::uint32_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    if ((s & kLocked) == 0) {
      // Free (so no queue either): take it.
      if (state_.compare_exchange_weak(s, s | kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return true;
      }
      continue;
    }
    if (state_.compare_exchange_weak(s, s | kWaiters, std::memory_order_relaxed,
                                     std::memory_order_relaxed)) {
      break;
    }
  }
  queue_.push(w);
  return false;
}

void Mutex::lock_slow() noexcept {
  for (int i = 0; i < kSpins; ++i) {
    if (state_.load(std::memory_order_relaxed) == 0 && try_lock()) {
      return;
    }
    detail::cpu_relax();
  }
  Waiter me;
  mu_.lock();
  const bool taken = acquire_or_enqueue_locked(&me);
  mu_.unlock();
  if (taken) {
    return;
  }
  (void)me.ws.wait(detail::WaitReason::mutex);  // unlock() handed the mutex over
}

bool Mutex::try_lock_until(Clock::time_point deadline) noexcept {
  if (try_lock()) {
    return true;
  }
  if (deadline <= Clock::now()) {
    return false;
  }
  Waiter me;
  mu_.lock();
  const bool taken = acquire_or_enqueue_locked(&me);
  mu_.unlock();
  if (taken) {
    return true;
  }
  if (me.ws.wait_until(deadline, detail::WaitReason::mutex) != detail::WaitState::kPending) {
    return true;
  }
  mu_.lock();
  if (me.queued) {
    queue_.remove(&me);
    if (queue_.empty()) {
      state_.fetch_and(~kWaiters, std::memory_order_relaxed);
    }
    mu_.unlock();
    return false;
  }
  mu_.unlock();
  (void)me.ws.wait(detail::WaitReason::mutex);  // unlock() handed it over: the wake is on its way
  return true;
}

void Mutex::unlock_slow() noexcept {
  if ((state_.load(std::memory_order_relaxed) & kLocked) == 0) {
    detail::fatal("sync: unlock of unlocked mutex");
  }
  mu_.lock();
  Waiter* w = queue_.front();
  if (w == nullptr) {
    // The last waiter timed out meanwhile: plain release.
    state_.store(0, std::memory_order_release);
    mu_.unlock();
    return;
  }
  queue_.remove(w);
  // Hand over: the mutex stays locked, now owned by w.
  state_.store(!queue_.empty() ? (kLocked | kWaiters) : kLocked, std::memory_order_release);
  mu_.unlock();
  w->ws.wake(kGranted);  // w may return from here on
}

std::size_t Mutex::waiters() const noexcept {
  mu_.lock();
  std::size_t n = 0;
  for (const Waiter* w = queue_.front(); w != nullptr; w = w->next) {
    ++n;
  }
  mu_.unlock();
  return n;
}

}  // namespace gopool
