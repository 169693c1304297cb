// M: an OS thread that runs goroutines while it holds a P. Its own stack is the scheduler's
// context (g0), where it looks for work and parks when there is none.
#pragma once

#include <time.h>

#include <atomic>
#include <cstdint>

#include "gopool/detail/spin_lock.hpp"
#include "runtime/context_switch.hpp"

namespace gopool::detail {

struct G;
struct P;

// What a goroutine that switched away asked the next context to do with it, once it is safely
// off its stack.
// park_on: park unless the M's park word no longer holds park_expect (see park_on()).
// park_unlock: store park_value into the park word, then release park_lock (see park_unlock()).
enum class AfterSwitch : std::uint8_t {
  none,
  yield,
  yield_global,
  park,
  park_on,
  park_unlock,
  dead,
  to_global
};

struct M {
  explicit M(int index) : id(index) {}

  const int id;
  Context g0;                          // the thread's own stack: the scheduling loop
  EhGlobals* eh = nullptr;             // this thread's C++ exception state
  P* p = nullptr;                      // the P held, if any
  std::atomic<G*> curg{nullptr};       // the goroutine running; nullptr on g0 and in blocking()
  std::atomic<P*> nextp{nullptr};      // P handed over by whoever wakes this M
  bool spinning = false;               // looking for work, counted in Sched::nmspinning
  std::atomic<std::uint32_t> wake{0};  // futex word: 1 when woken
  G* locked_g = nullptr;               // goroutine wired to this thread (lock_os_thread)
  G* blocking_g = nullptr;             // the goroutine inside blocking(), while it is
  P* blocking_p = nullptr;             // ... and the P it left behind
  int blocking_depth = 0;              // nested blocking() calls
  M* link = nullptr;

  G* switched_from = nullptr;                       // the goroutine that switched away ...
  AfterSwitch after = AfterSwitch::none;            // ... and what to do with it
  std::atomic<std::uint32_t>* park_word = nullptr;  // AfterSwitch::park_on: the word ...
  std::uint32_t park_expect = 0;                    // ... the value that lets it park ...
  std::uint32_t park_value = 0;                     // ... and the value that says it did
  SpinLock* park_lock = nullptr;                    // AfterSwitch::park_unlock: the lock held
  std::uint32_t rand_state = 0;
  clockid_t cpu_clock{};  // this thread's CPU-time clock, read by the monitor

  std::uint32_t fastrand() noexcept {
    rand_state ^= rand_state << 13;
    rand_state ^= rand_state >> 17;
    rand_state ^= rand_state << 5;
    return rand_state;
  }
};

}  // namespace gopool::detail
