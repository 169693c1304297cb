// Semaphore: a counting (weighted) semaphore whose waiters park (goroutines) or wait on a futex
// (threads), like golang.org/x/sync/semaphore.Weighted without its upper bound.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <system_error>

#include "gopool/detail/deadline.hpp"
#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/wait_queue.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/export.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

class Context;

// Semaphore: a count of permits. acquire(n) takes n permits, waiting until they are there;
// release(n) gives n back. Waiters are served FIFO: a waiter asking for many permits is not
// overtaken by later small requests (so it cannot starve), as in Go's semaphore.Weighted.
// Usable from goroutines and foreign threads. Destroying a Semaphore with waiters is undefined
// behaviour.
class GOPOOL_API Semaphore {
 public:
  // Semaphore: starts with `permits` permits. Throws std::invalid_argument if negative.
  explicit Semaphore(std::int64_t permits = 0);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // acquire: takes n permits, blocking until they are available and every earlier waiter is
  // served (a goroutine parks, a thread waits). n == 0 returns at once. Throws
  // std::invalid_argument for n < 0.
  void acquire(std::int64_t n = 1);

  // try_acquire: takes n permits only if available now and nobody waits; never blocks. Throws
  // std::invalid_argument for n < 0.
  bool try_acquire(std::int64_t n = 1);

  // acquire_for / acquire_until: as acquire, but give up when the timeout expires; true if the
  // permits were taken (on false none are). A timeout <= 0 behaves as try_acquire. Throws
  // std::invalid_argument for n < 0.
  template <class Rep, class Period>
  bool acquire_for(std::chrono::duration<Rep, Period> d, std::int64_t n = 1) {
    if (d <= d.zero()) {
      return try_acquire(n);
    }
    return acquire_until(detail::deadline_in(d), n);
  }
  bool acquire_until(Clock::time_point deadline, std::int64_t n = 1);

  // acquire: as acquire(n), but gives up when ctx is done while waiting (x/sync's
  // Weighted.Acquire): returns {} once the permits are taken, or ctx.err()
  // (context_errc::canceled or deadline_exceeded) with none taken. Permits available now are
  // taken even if ctx is done already. Throws std::invalid_argument for n < 0.
  std::error_code acquire(const Context& ctx, std::int64_t n = 1);

  // release: returns n permits and wakes the waiters they now satisfy, in order. Never
  // blocks. Throws std::invalid_argument for n < 0, std::overflow_error if the count would
  // overflow (nothing changes then).
  void release(std::int64_t n = 1);

  // available: permits not currently taken (a snapshot, for diagnostics).
  std::int64_t available() const noexcept;

  // waiters: how many goroutines and threads are queued (a snapshot, for diagnostics and tests).
  std::size_t waiters() const noexcept;

 private:
  struct Waiter {
    explicit Waiter(std::int64_t count) noexcept : n(count) {}
    detail::WaitState ws;  // woken once its permits are taken on its behalf
    std::int64_t n;
    Waiter* prev = nullptr;
    Waiter* next = nullptr;
    bool queued = false;
  };
  static constexpr detail::WaitState::Result kGranted = detail::WaitState::kFirstResult;
  static constexpr detail::WaitState::Result kCanceled = detail::WaitState::kFirstResult + 1;
  struct Canceller;  // a context-aware acquire's link to its Context

  // Under mu_: takes n permits if nobody queues ahead and enough are there.
  bool take_locked(std::int64_t n) noexcept;
  // Under mu_: pops the head waiters that the count now satisfies; returns them linked by next.
  Waiter* grant_locked() noexcept;
  static void wake(Waiter* list) noexcept;
  // withdraw: takes a waiter that gives up off the queue and wakes those its leaving satisfies;
  // false if a release() granted it first (its wake-up is then on the way).
  bool withdraw(Waiter* w) noexcept;

  mutable detail::SpinLock mu_;
  std::int64_t count_;
  detail::WaitQueue<Waiter> queue_;  // FIFO of waiters; guarded by mu_
};

}  // namespace gopool
