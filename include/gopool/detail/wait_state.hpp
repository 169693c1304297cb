// The runtime's one wait seam: "block whoever is calling until its own state says it is done"
// and "wake". Every blocking call of sync, net and the pools waits through WaitState; nothing
// outside the runtime parks a goroutine or a thread any other way.
//
// A wake-up is a hint, never a proof: a waiter returns only when its WaitState holds a result.
// Spurious, stale and duplicate wake-ups of the goroutine or thread underneath only make the
// seam look at the state again. A waker publishes the result only after its last touch of the
// waiter, so a waiter that returns (and whose stack, goroutine or thread may then go away) is
// never touched again.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "gopool/detail/spin_lock.hpp"
#include "gopool/export.hpp"

namespace gopool::detail {

// WaitReason: why a goroutine waits; shown by the goroutine dump.
enum class WaitReason : std::uint8_t {
  none,
  chan_recv,
  chan_send,
  select,
  sleep,
  mutex,
  semaphore,
  wait_group,
  future,
  io,
  pool_idle,
  pool_submit,
  context,
  blocking,
  task_group,  // a TaskGroup's go() at the group's limit, or its wait()
};

// Name of a wait reason, for dumps and logs.
GOPOOL_API const char* to_string(WaitReason reason) noexcept;

// Parker: the runtime's parking state of one goroutine or one OS thread (opaque here).
class Parker;

// The calling goroutine's Parker, or the calling thread's. Never null. Not inlined, because a
// goroutine may resume on another thread.
GOPOOL_API Parker* current_parker() noexcept;

// WaitState: the state of one blocking call, owned by the goroutine or thread that waits and
// usually living on its stack inside the primitive's queue node. The owner waits; whoever takes
// it off the primitive's queue (under the primitive's lock, or by winning a CAS) calls wake()
// exactly once with a result. A result is any value >= kFirstResult; its meaning is the
// primitive's. Typical use:
//
//   owner:  queue node under lock; unlock; r = ws.wait_until(deadline, reason);
//           if (r == kPending) { lock; if still queued: dequeue, unlock, timed out;
//                                unlock; r = ws.wait(reason); }   // a waker took it
//   waker:  lock; dequeue node; unlock; node->ws.wake(kGranted);
class GOPOOL_API WaitState {
 public:
  using Result = std::uint32_t;
  static constexpr Result kPending = 0;      // no result yet
  static constexpr Result kFirstResult = 4;  // the smallest value wake() may publish

  // Binds to the calling goroutine or thread.
  WaitState() noexcept : parker_(current_parker()) {}
  // Binds to p (a Parker obtained with current_parker() by the goroutine that will wait).
  explicit WaitState(Parker* p) noexcept : parker_(p) {}
  WaitState(const WaitState&) = delete;
  WaitState& operator=(const WaitState&) = delete;

  // wait: blocks until woken (a goroutine parks, its thread runs others; a thread waits on a
  // futex) and returns the result. `spins` polls of the state come first, so that a wake due
  // within a few hundred ns costs no park. Only the owner calls it. Never throws.
  Result wait(WaitReason reason, int spins = 0) noexcept;

  // wait_unlocking: wait() for an owner that holds `lock`, which it releases: a goroutine once
  // it is off its stack, a thread before it waits. Requires a pending state (no wake() yet) and
  // a lock that every waker of this state holds when it takes the owner off its queue, so that
  // no waker looks at the state before the owner is parked; the park then costs no locked
  // instruction. Blocks like wait(); the lock is released on every path. Never throws.
  Result wait_unlocking(SpinLock& lock, WaitReason reason) noexcept;

  // wait_until: wait() with a deadline (time_point::max() means none). Returns the result, or
  // kPending if the deadline passed first: then the owner must withdraw from its primitive
  // under the primitive's lock and, if a waker took it meanwhile, call wait() for the result,
  // which is then on its way. Never throws.
  Result wait_until(std::chrono::steady_clock::time_point deadline, WaitReason reason) noexcept;

  // result: the published result, or kPending. Never blocks; any thread may look.
  Result result() const noexcept {
    const Result s = state_.load(std::memory_order_acquire);
    return s >= kFirstResult ? s : kPending;
  }

  // rebind: binds to the calling goroutine or thread, for a WaitState built by someone else (a
  // pool worker's mailbox). Only while no waker can hold it.
  void rebind() noexcept { parker_ = current_parker(); }

  // prefetch_owner: asks the CPU for the owner's parking line, which a wake() of a parked owner
  // touches first: for a waker that knows it will wake this state soon (a pool files an idle
  // worker). Never blocks, never faults.
  void prefetch_owner() const noexcept { __builtin_prefetch(parker_, 1); }

  // reset: makes a woken state pending again for the owner's next wait (a reused mailbox).
  // Only the owner calls it, and only once no waker can still hold it.
  void reset() noexcept { state_.store(kPending, std::memory_order_relaxed); }

  // wake: publishes r (>= kFirstResult) and wakes the owner if it is parked; an owner that has
  // not parked finds r by itself, and publishing is then the whole cost. Called exactly once
  // per wait, by the party that took the owner off its queue; never blocks; callable from any
  // goroutine, thread or timer callback. The WaitState may be gone as soon as this returns.
  void wake(Result r) noexcept;

 private:
  // A goroutine in a timed wait waits through its Parker: wake() must unpark it.
  static constexpr Result kViaParker = 1;
  static constexpr Result kWaking = 2;  // a waker of a kViaParker owner has not published yet
  // The owner sleeps on this state: a goroutine off its stack (wake() readies it) or a thread
  // in a futex wait on it (wake() wakes the futex).
  static constexpr Result kParkedHere = 3;

  Result finish(Result s) noexcept;
  Result thread_wait(std::int64_t deadline_ns) noexcept;  // a thread owner's wait

  Parker* parker_;
  std::atomic<Result> state_{kPending};
};

}  // namespace gopool::detail
