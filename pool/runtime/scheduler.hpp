// The scheduler: Ps, Ms, the global run queue and the verbs the rest of the runtime uses.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <source_location>
#include <vector>

#include "gopool/detail/spin_lock.hpp"
#include "gopool/runtime.hpp"
#include "runtime/g.hpp"
#include "runtime/global_queue.hpp"
#include "runtime/machine.hpp"
#include "runtime/processor.hpp"

namespace gopool::detail {

struct Sched {
  static constexpr int kMaxProcs = gopool::kMaxProcs;

  // Resolved options.
  int max_threads = 10000;
  std::size_t stack_size = kDefaultStackSize;
  std::atomic<bool> recycle{true};
  bool detect_deadlock = true;  // RuntimeOptions::detect_deadlock

  static constexpr int kMaxSpares = 64;
  std::atomic<P*> allp[kMaxProcs] = {};
  // Spare Ps stand in for Ps whose goroutine runs for long without a switch point.
  std::atomic<P*> spares[kMaxSpares] = {};
  std::atomic<int> spare_count{0};
  std::atomic<int> nblocking{0};   // Ms inside blocking()
  std::atomic<int> allp_count{0};  // Ps ever created (dead ones included)
  std::atomic<int> nprocs{0};

  GlobalQueue runq;  // global run queue
  std::atomic<std::int64_t> runq_count{0};

  std::mutex mu;  // idle Ps, idle Ms, thread creation, set_procs
  P* pidle = nullptr;
  std::atomic<int> npidle{0};
  std::vector<M*> midle;
  std::atomic<int> mcount{0};
  std::atomic<int> nmspinning{0};
  std::atomic<int> nmidle{0};

  SpinLock free_mu;  // global free list of dead goroutines
  G* free_head = nullptr;
  std::atomic<int> free_count{0};

  std::mutex allgs_mu;  // every G with a stack, alive or cached (for dumps)
  std::vector<G*> allgs;

  std::atomic<std::uint64_t> goid_gen{0};
  std::atomic<std::int64_t> foreign_spawned{0};
};

// The scheduler, started on first use.
Sched& sched();
// The scheduler if it was started, else nullptr.
Sched* sched_if_started() noexcept;

// The M running on this thread (nullptr on foreign threads) and its goroutine. A goroutine that
// switched may resume on another thread, so the compiler must never reuse a thread-local
// address across a switch. On x86-64 the read is an asm volatile statement the compiler cannot
// cache or move (the thread's M, tl_m in scheduler.cpp, by the initial-exec model gopool is
// built with): no call on the switch paths. Elsewhere current_m() is a function that is never
// inlined.
#if defined(__x86_64__)
inline M* current_m() noexcept {
  M* m;
  asm volatile(
      "movq gopool_tl_m@gottpoff(%%rip), %0\n\t"
      "movq %%fs:(%0), %0"
      : "=r"(m));
  return m;
}
#else
M* current_m() noexcept;
#endif
inline G* current_g() noexcept {
  M* m = current_m();
  return m != nullptr ? m->curg.load(std::memory_order_relaxed) : nullptr;
}

// Makes g runnable (on this M's P, or the global queue) and wakes an idle P if there is one.
void ready(G* g) noexcept;
// ready() in two steps, for a waker that must publish a result after its last touch of g but
// should not make g's new M wait for it meanwhile: queue_ready(g) queues g; wake_idle_p() then
// starts an M for an idle P (a futex wake-up, often), touching only the scheduler.
void queue_ready(G* g) noexcept;
void wake_idle_p() noexcept;

// Switches the running goroutine out; what says what happens to it once it is off its stack.
// Returns when it runs again (AfterSwitch::dead never returns).
void switch_out(M* m, G* cur, AfterSwitch what) noexcept;

// Arms a timer whose deadline and kind are set, on this P's heap (or P 0's).
void timer_arm(Timer* t);

// Creates and starts a goroutine.
void spawn_goroutine(std::size_t stack_size, Task&& task, const std::source_location& where);

// The two halves of blocking(): the M gives up its P for the call's length (sysmon hands it to
// another M if the call lasts), and gets one back after.
void enter_blocking() noexcept;
void exit_blocking() noexcept;

// Called by sysmon: retakes Ps from Ms in long blocking calls and starts spare Ps for Ps whose
// goroutine has not switched for 10 ms while other work waits. Returns true if it acted.
bool retake(Sched& s, std::int64_t now) noexcept;

// set_procs, as in runtime.hpp.
int set_procs_impl(int n);

// Calls fn(P*) for every P ever created, dead ones and spares included (for counters).
template <class Fn>
void for_each_p_ever(Sched& s, Fn&& fn) {
  const int n = s.allp_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    if (P* p = s.allp[i].load(std::memory_order_acquire)) fn(p);
  }
  const int spares = s.spare_count.load(std::memory_order_acquire);
  for (int i = 0; i < spares; ++i) {
    if (P* p = s.spares[i].load(std::memory_order_acquire)) fn(p);
  }
}

// Goroutines alive.
std::int64_t live_goroutines() noexcept;

// Solo mode (scheduler.cpp): exactly one P is alive, and its owner takes from its run queue
// without atomic read-modify-writes. solo_mode_capable(): the kernel has what leaving the mode
// needs; without it the mode never starts.
bool solo_mode() noexcept;
bool solo_mode_capable() noexcept;

// Options recorded by configure() before start. Returns false if already started.
bool record_options(const RuntimeOptions& options) noexcept;

}  // namespace gopool::detail
