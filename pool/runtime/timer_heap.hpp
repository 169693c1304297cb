// TimerHeap: a P's timers under a spin lock, with the earliest deadline readable without the
// lock. A timer whose deadline is not before the last one of a lane joins that lane (a FIFO,
// see timer_lane.hpp); the others go to a 4-ary min-heap. Each entry carries its deadline, so
// ordering compares within the arrays instead of loading every timer (which lives on a sleeping
// goroutine's cold stack); four children share a cache line and the heap is half as deep as a
// binary one.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <vector>

#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/timer.hpp"
#include "runtime/timer_lane.hpp"

namespace gopool::detail {

struct G;

// Timer kinds.
inline constexpr std::uint8_t kTimerCallback = 0;
inline constexpr std::uint8_t kTimerWakeG = 1;

inline constexpr std::int64_t kNoDeadline = std::numeric_limits<std::int64_t>::max();

// Nanoseconds on the steady clock.
inline std::int64_t to_ns(std::chrono::steady_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
std::int64_t nanotime() noexcept;

struct TimerHeap {
  using Entry = TimerEntry;
  // Lanes: enough for the few durations a program mostly uses (its sleeps, its I/O timeouts, a
  // pool's purge tick); a timer that fits none goes to the heap.
  static constexpr std::size_t kLanes = 4;

  SpinLock lock;
  std::vector<Entry> heap;                      // guarded by lock
  std::array<TimerLane, kLanes> lanes;          // guarded by lock
  std::atomic<std::int64_t> next{kNoDeadline};  // earliest deadline, kNoDeadline if none
  Timer* firing = nullptr;                      // callback timer running now; guarded by lock

  // Adds t (not armed) with its deadline and kind set: to the lane whose last deadline is the
  // latest one not after t's, else to an empty lane, else to the heap. Lock held. May throw
  // std::bad_alloc (nothing added).
  void push_locked(Timer* t);
  // Removes t, which is in this heap. Lock held.
  void remove_locked(Timer* t);
  // Runs every timer due at now: wakes goroutines (ready is called for each) and runs
  // callbacks outside the lock. Returns how many fired.
  int run_due(std::int64_t now, void (*ready)(G*));
  // Moves every timer of this heap into `to` (for a P being removed).
  void move_all_to(TimerHeap& to);
  // How many timers are armed here. Lock held.
  std::size_t size_locked() const;

 private:
  void sift_up(std::size_t i, Entry e);
  void sift_down(std::size_t i, Entry e);
  void place(std::size_t i, Entry e);
  // LaneMoved: records the slot a lane moved a timer to.
  struct LaneMoved {
    void operator()(Timer* t, std::uint32_t slot) const noexcept;
  };
  void remove_from_heap(Timer* t);
  // take_locked: remove_locked() without updating `next` (run_due does that once per batch).
  void take_locked(Timer* t);
  // earliest_locked: where the earliest timer is: kLanes for the heap, else its lane; its
  // deadline in `when` (kNoDeadline, and kLanes, if there is none).
  std::size_t earliest_locked(std::int64_t& when) const;
  void update_next();
};

// Access to Timer's private fields for the heap.
struct TimerAccess {
  static std::int64_t when(const Timer* t);
  static void set(Timer* t, std::chrono::steady_clock::time_point when, std::uint8_t kind, void* g);
  // set_callback: a callback timer's function, for code that arms a TimerHeap directly (tests).
  static void set_callback(Timer* t, Task fn);
};

}  // namespace gopool::detail
