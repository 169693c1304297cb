// TimerHeap: a P's timers, a 4-ary min-heap on deadline under a spin lock, with the earliest
// deadline readable without the lock. Each entry carries its deadline, so sifting compares
// within the array instead of loading every timer (which lives on a sleeping goroutine's cold
// stack); four children share a cache line and the heap is half as deep as a binary one.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <vector>

#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/timer.hpp"

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
  SpinLock lock;
  struct Entry {
    std::int64_t when;  // the timer's deadline in ns
    Timer* timer;
  };
  std::vector<Entry> heap;                      // guarded by lock
  std::atomic<std::int64_t> next{kNoDeadline};  // earliest deadline, kNoDeadline if none
  Timer* firing = nullptr;                      // callback timer running now; guarded by lock

  // Adds t (not armed) with its deadline and kind set. Lock held.
  void push_locked(Timer* t);
  // Removes t, which is in this heap. Lock held.
  void remove_locked(Timer* t);
  // Runs every timer due at now: wakes goroutines (ready is called for each) and runs
  // callbacks outside the lock. Returns how many fired.
  int run_due(std::int64_t now, void (*ready)(G*));
  // Moves every timer of this heap into `to` (for a P being removed).
  void move_all_to(TimerHeap& to);
  std::size_t size_locked() const { return heap.size(); }

 private:
  void sift_up(std::size_t i, Entry e);
  void sift_down(std::size_t i, Entry e);
  void place(std::size_t i, Entry e);
  void update_next();
};

// Access to Timer's private fields for the heap.
struct TimerAccess {
  static std::int64_t when(const Timer* t);
  static void set(Timer* t, std::chrono::steady_clock::time_point when, std::uint8_t kind, void* g);
};

}  // namespace gopool::detail
