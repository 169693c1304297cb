// Deadlock detection, as Go's "all goroutines are asleep - deadlock!": when every goroutine
// waits and nothing left in the process could ever wake one, the process ends with a list of
// the goroutines and where each was created, instead of hanging.
//
// C++ adds what Go does not have: threads outside the runtime, which may wake goroutines at any
// time. So the verdict needs, at two checks 100 ms apart with nothing run in between: every P
// idle, every goroutine waiting, no timer armed, no fd watched, no blocking() call, and every
// OS thread of the process accounted for as a runtime thread (an M or sysmon) or as a thread
// parked in a gopool wait without a deadline. Any other thread (a sanitizer's, a library's, one
// sleeping in the kernel) might still act, and rules the verdict out.
#pragma once

#include <cstdint>

namespace gopool::detail {

struct Sched;

// A thread outside the runtime is about to park with no deadline (entering = true), or has
// woken from such a park (entering = false).
void deadlock_note_thread_park(bool entering) noexcept;

// Called by sysmon while every P is idle. Ends the process (exit status 2) on a deadlock.
void deadlock_check(Sched& s, std::int64_t now_ns) noexcept;

}  // namespace gopool::detail
