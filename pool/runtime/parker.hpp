// Parker: the parking state of one goroutine or one foreign thread, and the raw park/unpark
// under the wait seam (gopool/detail/wait_state.hpp). Only the seam and the runtime's own sleep
// call park(); a Parker's wake-up is a permit that may be stale, so every caller re-checks the
// state it waits for.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/wait_state.hpp"

namespace gopool::detail {

struct G;

class Parker {
 public:
  // States. A thread moves idle -> parked -> (notified | timed_out) -> idle; a goroutine the
  // same, except that the unpark that readies it moves parked -> idle itself. A notify or
  // timeout that comes before the park is left in the state for park() to find.
  static constexpr std::uint32_t kIdle = 0;
  static constexpr std::uint32_t kNotified = 1;
  static constexpr std::uint32_t kParked = 2;
  static constexpr std::uint32_t kTimedOut = 3;

  explicit Parker(G* owner) noexcept : g(owner) {}

  std::atomic<std::uint32_t> state{kIdle};  // also the futex word of a thread parker
  G* const g;                               // owning goroutine; nullptr for a thread
};

// Blocks the caller until unpark(p) or a spurious return: a goroutine parks (its thread runs
// others), a thread waits on a futex. p must be current_parker().
void park(Parker* p, WaitReason reason) noexcept;

// As park(), but gives up at deadline: false on timeout (the deadline has passed), true
// otherwise (notified, or a stale or spurious wake-up).
bool park_until(Parker* p, std::chrono::steady_clock::time_point deadline,
                WaitReason reason) noexcept;
// As park_until(), for a caller that has just read the clock: `now` saves reading it again.
bool park_until(Parker* p, std::chrono::steady_clock::time_point deadline, WaitReason reason,
                std::chrono::steady_clock::time_point now) noexcept;

// Gives p's owner a wake-up permit (waking it if parked). Never blocks; any thread may call it.
void unpark(Parker* p) noexcept;

// unpark() whose last step, starting an M for an idle P, is left to the caller: true means
// call wake_idle_p() (scheduler.hpp), which no longer touches p or its owner. The wait seam
// publishes its result in between, so that the owner, taken at once by a spinning M, does not
// wait for that futex wake-up before it finds its result.
bool unpark_deferred(Parker* p) noexcept;

// Parks the calling goroutine (not a thread) on *word, as Go's gopark with a condition: once
// it is off its stack the scheduler moves *word from `expect` to `parked`, or, if the word no
// longer holds `expect`, runs it again at once. Whoever then reads `parked` from the word owns
// the goroutine's wake-up and readies it with ready() (scheduler.hpp); nothing else does. Used
// by the wait seam's fast path, which needs no Parker permit at all.
void park_on(std::atomic<std::uint32_t>* word, std::uint32_t expect, std::uint32_t parked,
             WaitReason reason) noexcept;

// Parks the calling goroutine (not a thread), which holds `lock`, as Go's gopark with an unlock
// function: once it is off its stack the scheduler stores `parked` into *word and then releases
// the lock. The lock must guard every path by which a waker reaches *word, so that no waker can
// read the word until the mark is there: the park needs no compare-and-swap, and the waker that
// reads `parked` owns the goroutine's wake-up, as with park_on().
void park_unlock(std::atomic<std::uint32_t>* word, std::uint32_t parked, SpinLock* lock,
                 WaitReason reason) noexcept;

// Called by the scheduler once a goroutine that asked to park is off its stack: moves its
// Parker idle -> parked. Returns false if a notify or timeout came first (run it again).
inline bool commit_park(Parker* p) noexcept {
  std::uint32_t expected = Parker::kIdle;
  return p->state.compare_exchange_strong(expected, Parker::kParked, std::memory_order_acq_rel);
}

// Called by a goroutine's wake-up timer: returns true if the goroutine was parked and must be
// made runnable; false if it had not parked yet (it will see the timeout) or was notified.
inline bool timeout_park(Parker* p) noexcept {
  std::uint32_t s = p->state.load(std::memory_order_acquire);
  while (s == Parker::kIdle || s == Parker::kParked) {
    if (p->state.compare_exchange_weak(s, Parker::kTimedOut, std::memory_order_acq_rel)) {
      return s == Parker::kParked;
    }
  }
  return false;
}

}  // namespace gopool::detail
