// The green-thread runtime: start goroutines, yield, sleep, and configure the G-P-M scheduler.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <source_location>
#include <system_error>
#include <type_traits>
#include <utility>

#include "gopool/detail/deadline.hpp"
#include "gopool/detail/task.hpp"

namespace gopool {

// The clock every gopool deadline is measured on.
using Clock = std::chrono::steady_clock;

// kMaxProcs: the most Ps the runtime runs; larger requests (RuntimeOptions::procs,
// set_procs) are clamped to it.
inline constexpr int kMaxProcs = 256;

// RuntimeOptions: how the runtime is built when it starts. Zero fields take their defaults.
struct RuntimeOptions {
  // Number of Ps (logical processors), like GOMAXPROCS. 0 = std::thread::hardware_concurrency().
  // At most kMaxProcs: more is clamped to kMaxProcs.
  int procs = 0;
  // Default stack size of a goroutine in bytes (rounded up to pages). 0 = 64 KiB.
  std::size_t stack_size = 0;
  // Guard every default-size stack with the kernel's guard markers (Linux 6.13+), mapped and
  // pre-faulted a slab at a time; ignored where the kernel lacks them. false = the fallback
  // below (one mapping per guarded stack, then canary-checked slabs).
  bool stack_guard_markers = true;
  // Without guard markers: how many stacks get their own guard page before stacks come from
  // canary-checked slabs. 0 = derived from /proc/sys/vm/max_map_count.
  std::size_t guarded_stack_budget = 0;
  // Reuse dead goroutines and their stacks (seed 000). false = every go() maps a fresh stack.
  bool recycle = true;
  // Upper bound on OS threads (Ms). 0 = 10000, as in Go.
  int max_threads = 0;
  // End the process, as Go does, when every goroutine waits and nothing could wake one (see the
  // README for how that is decided). false = never check, for programs woken by something no
  // thread of theirs does (a signal handler, a POSIX timer that starts a thread).
  bool detect_deadlock = true;
};

// configure: sets the options the runtime starts with. Must be called before the first use of
// the runtime (go(), a pool, ...). Returns errc-compatible std::errc::operation_not_permitted if
// the runtime already runs, std::errc::invalid_argument for a negative procs or max_threads, or
// a stack size below 16 KiB or above 1 GiB; on error nothing changes.
[[nodiscard]] std::error_code configure(const RuntimeOptions& options);

// GoOptions: per-goroutine settings for go().
struct GoOptions {
  // Stack size in bytes for this goroutine; 0 = the runtime default. Rounded up to pages.
  std::size_t stack_size = 0;
};

namespace detail {
// Starts a goroutine running task. Throws std::invalid_argument for an empty task or a stack
// size outside [16 KiB, 1 GiB]; throws std::system_error if no stack can be mapped.
void spawn(const GoOptions& options, Task&& task, const std::source_location& where);
}  // namespace detail

// go: starts a goroutine that runs f(). Callable from a goroutine or any OS thread; never
// blocks. The runtime starts on first use. Throws std::invalid_argument for a null function
// pointer or empty std::function, std::system_error when no stack can be mapped. An exception
// escaping f ends the process with a message naming the goroutine and this call site.
template <class F>
void go(F&& f, const std::source_location& where = std::source_location::current()) {
  detail::spawn(GoOptions{}, detail::Task(std::forward<F>(f)), where);
}

// go: as above, with per-goroutine options (stack size). Throws std::invalid_argument for a
// stack size outside [16 KiB, 1 GiB].
template <class F>
void go(const GoOptions& options, F&& f,
        const std::source_location& where = std::source_location::current()) {
  detail::spawn(options, detail::Task(std::forward<F>(f)), where);
}

// yield: lets other runnable goroutines run (Go's runtime.Gosched). Outside a goroutine it
// yields the OS thread.
void yield();

// sleep_for: parks the calling goroutine for at least d (a thread sleeps). d <= 0 returns at once.
void sleep_for(Clock::duration d);

// sleep_until: parks the calling goroutine until t has passed (a thread sleeps).
void sleep_until(Clock::time_point t);

template <class Rep, class Period>
void sleep_for(std::chrono::duration<Rep, Period> d) {
  sleep_for(detail::to_clock_duration(d));
}

// in_goroutine: true when called from a goroutine.
bool in_goroutine() noexcept;

// num_goroutines: goroutines started and not yet finished (running, runnable or parked).
std::int64_t num_goroutines() noexcept;

// procs: the current number of Ps (starts the runtime if needed).
int procs();

// set_procs: changes the number of Ps at run time, like runtime.GOMAXPROCS(n); returns the
// previous value. n <= 0 only queries; n > kMaxProcs sets kMaxProcs. Goroutines of removed Ps
// move to the remaining ones.
int set_procs(int n);

// lock_os_thread: wires the calling goroutine to the OS thread it runs on until
// unlock_os_thread(); other goroutines never run on that thread meanwhile. Calls nest like
// Go's. Outside a goroutine they do nothing.
void lock_os_thread();

// unlock_os_thread: undoes one lock_os_thread(); an unmatched call does nothing.
void unlock_os_thread();

namespace detail {
void enter_blocking() noexcept;
void exit_blocking() noexcept;
}  // namespace detail

// blocking: runs f(), a call that may block its OS thread (file I/O, a C library that sleeps,
// a lock of another library), and returns what it returns (exceptions pass through). If the call
// lasts past about 20 us, the monitor thread hands this thread's P to another thread, so the
// other goroutines keep running; afterwards the goroutine gets a P back. Inside f the thread
// acts as a foreign one: gopool waits there block the thread and this_goroutine::id() is 0.
// Outside a goroutine it just calls f.
template <class F>
decltype(auto) blocking(F&& f) {
  struct Scope {
    Scope() noexcept { detail::enter_blocking(); }
    ~Scope() { detail::exit_blocking(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
  } scope;
  return std::forward<F>(f)();
}

namespace this_goroutine {
// id: the calling goroutine's id (1, 2, ...), or 0 outside goroutines. Ids are never reused.
std::uint64_t id() noexcept;
}  // namespace this_goroutine

}  // namespace gopool
