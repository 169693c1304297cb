#include "runtime/parker.hpp"

#include <sched.h>

#include "gopool/detail/cpu_relax.hpp"
#include "gopool/detail/goroutine_info.hpp"
#include "gopool/runtime.hpp"
#include "runtime/chaos.hpp"

#include "runtime/deadlock.hpp"
#include "runtime/futex.hpp"
#include "runtime/g.hpp"
#include "runtime/scheduler.hpp"
#include "runtime/timer_heap.hpp"

namespace gopool::detail {
namespace {

thread_local Parker tl_thread_parker{nullptr};

// Resets a woken Parker to idle with a read-modify-write, never a plain store: an unpark may
// land at the same moment, and a store would erase its permit while the owner's next look at
// its wait state could still miss that waker's claim (a store may wait in the store buffer
// while a later load goes ahead); the owner would then park for ever. The exchange either takes
// that unpark (and, acquiring, sees the claim) or comes first and leaves it for the next park.
// Returns the state it replaced.
std::uint32_t take_permit(Parker* p) noexcept {
  return p->state.exchange(Parker::kIdle, std::memory_order_acq_rel);
}

// A foreign thread's park: the state word doubles as the futex word.
bool thread_park(Parker* p, std::int64_t deadline_ns) noexcept {
  for (;;) {
    std::uint32_t s = p->state.load(std::memory_order_acquire);
    if (s == Parker::kNotified) {
      (void)take_permit(p);
      return true;
    }
    if (s == Parker::kIdle &&
        !p->state.compare_exchange_strong(s, Parker::kParked, std::memory_order_acq_rel)) {
      continue;
    }
    std::int64_t wait_ns = -1;
    if (deadline_ns != kNoDeadline) {
      wait_ns = deadline_ns - nanotime();
      if (wait_ns <= 0) {
        std::uint32_t parked = Parker::kParked;
        if (p->state.compare_exchange_strong(parked, Parker::kIdle, std::memory_order_acq_rel)) {
          return false;
        }
        continue;  // notified meanwhile
      }
    }
    const bool forever = wait_ns < 0;
    if (forever) deadlock_note_thread_park(true);
    futex_wait(&p->state, Parker::kParked, wait_ns);
    if (forever) deadlock_note_thread_park(false);
  }
}

// Switches the running goroutine g out as waiting for `reason` (what dumps show), and returns
// once something has made it run again; `after` says what the scheduler does with it first.
void switch_out_waiting(M* m, G* g, WaitReason reason, AfterSwitch after) noexcept {
  g->wait_since.store(coarse_now_ns(), std::memory_order_relaxed);
  g->wait_reason.store(reason, std::memory_order_relaxed);
  g->status.store(GStatus::waiting, std::memory_order_relaxed);
  switch_out(m, g, after);
  g->wait_reason.store(WaitReason::none, std::memory_order_relaxed);
  g->status.store(GStatus::running, std::memory_order_relaxed);
}

// park_until() for a goroutine's Parker; now is a fresh clock reading.
bool goroutine_park_until(Parker* p, std::chrono::steady_clock::time_point deadline,
                          WaitReason reason, std::chrono::steady_clock::time_point now) noexcept {
  G* g = p->g;
  std::uint32_t s = p->state.load(std::memory_order_acquire);
  if (s != Parker::kNotified) {
    if (deadline <= now) return false;
    TimerAccess::set(&g->timer, deadline, kTimerWakeG, g);
    timer_arm(&g->timer);
    switch_out_waiting(current_m(), g, reason, AfterSwitch::park);
    g->timer.stop();  // woken by a notify: the timer must not fire into a later wait
    // Idle (an unpark moved it there) or notified: woken; timed out: the timer fired. A notify
    // that lands after the timeout is lost to this park but never to the caller: the wait seam
    // looks at its own state after every return.
    return take_permit(p) != Parker::kTimedOut;
  }
  (void)take_permit(p);
  return true;
}

// A waker has claimed the state and publishes within a few instructions, unless its thread was
// preempted: spin briefly, then let others run.
void pause_for_waker(int& rounds) noexcept {
  if (++rounds < 64) {
    cpu_relax();
  } else if (current_g() != nullptr) {
    gopool::yield();
  } else {
    sched_yield();
  }
}

}  // namespace

// ---- the wait seam --------------------------------------------------------------------------

WaitState::Result WaitState::finish(Result s) noexcept {
  if (chaos::roll(chaos::kStaleWake)) unpark(parker_);  // our next wait must shrug it off
  return s;
}

WaitState::Result WaitState::wait(WaitReason reason, int spins) noexcept {
  if (chaos::roll(chaos::kYield)) gopool::yield();
  Result s = state_.load(std::memory_order_acquire);
  for (int i = 0; i < spins && s == kPending; ++i) {
    cpu_relax();
    s = state_.load(std::memory_order_acquire);
  }
  if (parker_->g == nullptr) return thread_wait(kNoDeadline);
  int rounds = 0;
  for (;;) {
    if (s >= kFirstResult) return finish(s);
    if (s == kWaking) {
      pause_for_waker(rounds);
    } else if (chaos::roll(chaos::kSpuriousReturn)) {
      // as if a park had returned for nothing: look again
    } else if (s == kPending) {
      // Park on the state itself: the scheduler marks it kParkedHere once the goroutine is off
      // its stack, unless a result came first, and the waker that finds the mark readies it.
      // No permit, so nothing stale is left behind.
      park_on(&state_, kPending, kParkedHere, reason);
    } else {
      // kViaParker, left by a timed wait that expired. Its waker marks kWaking before it
      // unparks, so a wake-up that still finds kViaParker is stale or spurious: park again.
      park(parker_, reason);
    }
    s = state_.load(std::memory_order_acquire);
  }
}

WaitState::Result WaitState::wait_unlocking(SpinLock& lock, WaitReason reason) noexcept {
  // Chaos sends some waits down the unlock-first path, so that both stay exercised; a yield
  // here could not help (it would spin every other goroutine of this P on the lock).
  if (parker_->g == nullptr || chaos::roll(chaos::kSpuriousReturn)) {
    lock.unlock();
    return wait(reason);
  }
  // No waker can reach the state before the unlock, so it is still pending: the scheduler
  // marks it kParkedHere and only then unlocks, and the waker that takes the lock next finds
  // the mark, publishes, and readies this goroutine, so the result is there when it runs.
  park_unlock(&state_, kParkedHere, &lock, reason);
  const Result s = state_.load(std::memory_order_acquire);
  if (s >= kFirstResult) [[likely]]
    return finish(s);
  // Not reached: only the waker that read kParkedHere readies this goroutine, after it has
  // published, and a stale unpark finds the Parker idle and leaves a permit instead. The
  // fallback is wait()'s loop, the same one park_on()'s callers rely on.
  return wait(reason);
}

WaitState::Result WaitState::wait_until(std::chrono::steady_clock::time_point deadline,
                                        WaitReason reason) noexcept {
  if (deadline == std::chrono::steady_clock::time_point::max()) return wait(reason);
  if (chaos::roll(chaos::kYield)) gopool::yield();
  if (parker_->g == nullptr) return thread_wait(to_ns(deadline));
  Result s = state_.load(std::memory_order_acquire);
  // A timed wait parks through the Parker, whose timer can end the park; announce it so that
  // the waker unparks. If the CAS fails, a result came and s holds it.
  if (s == kPending) (void)state_.compare_exchange_strong(s, kViaParker, std::memory_order_acq_rel);
  bool expired = false;
  int rounds = 0;
  for (;;) {
    if (s >= kFirstResult) return finish(s);
    if (s == kWaking) {
      pause_for_waker(rounds);  // a waker took us: its result comes, deadline or not
    } else if (expired) {
      return kPending;  // the owner withdraws under its primitive's lock
    } else if (!chaos::roll(chaos::kSpuriousReturn)) {
      expired = !park_until(parker_, deadline, reason);
    }
    s = state_.load(std::memory_order_acquire);
  }
}

WaitState::Result WaitState::thread_wait(std::int64_t deadline_ns) noexcept {
  // A thread sleeps on the state word itself: kParkedHere tells the waker to publish and then
  // wake the futex. A timed wait that expires takes the mark back; if a result beat it, it
  // returns that result instead.
  Result s = state_.load(std::memory_order_acquire);
  for (;;) {
    if (s >= kFirstResult) return finish(s);
    if (s == kPending) {
      if (!state_.compare_exchange_weak(s, kParkedHere, std::memory_order_acq_rel)) continue;
      s = kParkedHere;
    }
    std::int64_t wait_ns = -1;
    if (deadline_ns != kNoDeadline) {
      wait_ns = deadline_ns - nanotime();
      if (wait_ns <= 0) {
        if (state_.compare_exchange_strong(s, kPending, std::memory_order_acq_rel)) {
          return kPending;  // the owner withdraws under its primitive's lock
        }
        continue;  // a result came: s holds it
      }
    }
    if (!chaos::roll(chaos::kSpuriousReturn)) {
      const bool forever = wait_ns < 0;
      if (forever) deadlock_note_thread_park(true);
      futex_wait(&state_, kParkedHere, wait_ns);
      if (forever) deadlock_note_thread_park(false);
    }
    s = state_.load(std::memory_order_acquire);
  }
}

void WaitState::wake(Result r) noexcept {
  Parker* const p = parker_;  // read before publishing: the state may vanish right after
  Result s = state_.load(std::memory_order_acquire);
  while (s == kPending) {
    // The owner has not parked (it spins, runs, or is on its way to park, where the scheduler's
    // or its own CAS will fail): publishing is the whole wake-up, one write to one line.
    if (state_.compare_exchange_weak(s, r, std::memory_order_acq_rel)) return;
  }
  if constexpr (chaos::kEnabled) {
    // The OS thread, not the goroutine: a waker may hold a SpinLock (a Context wakes its
    // waiters under its lock), and a goroutine switched out while holding one lets every M
    // spin on it with the holder queued behind them: a livelock only chaos could cause.
    if (chaos::roll(chaos::kDelayedWake)) sched_yield();
    if (chaos::roll(chaos::kDuplicateWake)) unpark(p);  // a stale permit for a later park
  }
  if (s == kParkedHere) {
    // Only this waker wakes the owner now. A goroutine is off its stack and nobody else writes
    // the state; a thread whose timed wait expires may take the mark back (kPending) at the
    // same moment, but it then finds itself taken off its queue and waits for r.
    G* const g = p->g;
    state_.store(r, std::memory_order_release);
    if (g != nullptr) {
      ready(g);  // off its stack: it cannot run (and its state vanish) before this
    } else {
      // The thread may see r, return and drop the state before this call (a spurious futex
      // return): FUTEX_WAKE reads no memory, and at worst wakes another waiter on a reused
      // address for nothing, which every futex waiter must tolerate.
      futex_wake(&state_, 1);
    }
    return;
  }
  // kViaParker: a goroutine in a timed wait, parked through its Parker; it only reads the
  // state, so plain stores do. kWaking goes first and the unpark's release orders it before
  // the owner's wake-up: an owner woken by this unpark sees kWaking or r, never kViaParker,
  // and waits for r instead of parking again.
  state_.store(kWaking, std::memory_order_relaxed);
  const bool start_m = unpark_deferred(p);
  state_.store(r, std::memory_order_release);
  if (start_m) wake_idle_p();  // touches the scheduler only: the owner may be gone by now
}

const char* to_string(WaitReason reason) noexcept {
  switch (reason) {
    case WaitReason::none:
      return "running";
    case WaitReason::chan_recv:
      return "chan receive";
    case WaitReason::chan_send:
      return "chan send";
    case WaitReason::select:
      return "select";
    case WaitReason::sleep:
      return "sleep";
    case WaitReason::mutex:
      return "mutex";
    case WaitReason::semaphore:
      return "semaphore";
    case WaitReason::wait_group:
      return "WaitGroup";
    case WaitReason::future:
      return "future";
    case WaitReason::io:
      return "IO wait";
    case WaitReason::pool_idle:
      return "idle in a pool";
    case WaitReason::pool_submit:
      return "pool submit";
    case WaitReason::context:
      return "context";
    case WaitReason::blocking:
      return "blocking call";
    case WaitReason::task_group:
      return "task group";
  }
  return "unknown";
}

Parker* current_parker() noexcept {
  G* g = current_g();
  return g != nullptr ? &g->parker : &tl_thread_parker;
}

void park(Parker* p, WaitReason reason) noexcept {
  G* g = p->g;
  if (g == nullptr) {
    thread_park(p, kNoDeadline);
    return;
  }
  if (p->state.load(std::memory_order_acquire) != Parker::kNotified) {
    switch_out_waiting(current_m(), g, reason, AfterSwitch::park);
    // The unpark that readied a parked goroutine left its Parker idle: nothing to take, and no
    // locked instruction on the hand-off path. A permit found here came from a later unpark
    // (or a notify that beat commit_park); take it so that the next park does not return early.
    if (p->state.load(std::memory_order_relaxed) == Parker::kIdle) return;
  }
  (void)take_permit(p);  // the permit that was already there
}

bool park_until(Parker* p, std::chrono::steady_clock::time_point deadline,
                WaitReason reason) noexcept {
  if (p->g == nullptr) return thread_park(p, to_ns(deadline));  // reads the clock itself
  return goroutine_park_until(p, deadline, reason, std::chrono::steady_clock::now());
}

bool park_until(Parker* p, std::chrono::steady_clock::time_point deadline, WaitReason reason,
                std::chrono::steady_clock::time_point now) noexcept {
  if (p->g == nullptr) return thread_park(p, to_ns(deadline));
  return goroutine_park_until(p, deadline, reason, now);
}

namespace {

// The running goroutine parks on *word, with what the scheduler needs once it is off its stack
// (see park_on() and park_unlock()).
void park_on_word(std::atomic<std::uint32_t>* word, std::uint32_t expect, std::uint32_t parked,
                  SpinLock* lock, WaitReason reason, AfterSwitch after) noexcept {
  M* const m = current_m();
  m->park_word = word;
  m->park_expect = expect;
  m->park_value = parked;
  m->park_lock = lock;
  switch_out_waiting(m, m->curg.load(std::memory_order_relaxed), reason, after);
}

}  // namespace

void park_on(std::atomic<std::uint32_t>* word, std::uint32_t expect, std::uint32_t parked,
             WaitReason reason) noexcept {
  park_on_word(word, expect, parked, nullptr, reason, AfterSwitch::park_on);
}

void park_unlock(std::atomic<std::uint32_t>* word, std::uint32_t parked, SpinLock* lock,
                 WaitReason reason) noexcept {
  park_on_word(word, parked, parked, lock, reason, AfterSwitch::park_unlock);
}

bool unpark_deferred(Parker* p) noexcept {
  G* const g = p->g;
  if (g != nullptr) {
    // A parked goroutine goes straight back to idle: the run queue, not a permit, carries this
    // wake-up (its release orders the waker's claim before the owner runs), so the owner need
    // not reset its Parker. Only a CAS from parked does it, so no other permit is ever erased.
    std::uint32_t s = p->state.load(std::memory_order_relaxed);
    if (s == Parker::kParked &&
        p->state.compare_exchange_strong(s, Parker::kIdle, std::memory_order_acq_rel)) {
      queue_ready(g);
      return true;
    }
  }
  const std::uint32_t old = p->state.exchange(Parker::kNotified, std::memory_order_acq_rel);
  if (old != Parker::kParked) return false;  // not parked yet: park() will see the notify
  if (g != nullptr) {
    queue_ready(g);
    return true;
  }
  futex_wake(&p->state, 1);
  return false;
}

void unpark(Parker* p) noexcept {
  if (unpark_deferred(p)) wake_idle_p();
}

}  // namespace gopool::detail
