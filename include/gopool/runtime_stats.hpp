// RuntimeStats: counters of the scheduler, for benchmarks, tests and monitoring.
#pragma once

#include <cstdint>

#include "gopool/export.hpp"

namespace gopool {

// A snapshot of the runtime's counters. Counters only grow; gauges (alive, cached, ...) move
// both ways. Values are read without stopping the world, so they are approximate while
// goroutines run.
struct RuntimeStats {
  std::int64_t goroutines_alive = 0;     // started and not finished
  std::int64_t goroutines_created = 0;   // go() calls since start
  std::int64_t goroutines_recycled = 0;  // go() calls served by a dead goroutine's G and stack
  std::int64_t context_switches = 0;     // goroutine switches
  std::int64_t steals = 0;               // successful steals from another P
  std::int64_t procs = 0;                // Ps now
  std::int64_t threads = 0;              // Ms (OS threads) created
  std::int64_t threads_idle = 0;         // Ms parked without a P
  std::int64_t threads_spinning = 0;     // Ms looking for work
  std::int64_t threads_blocking = 0;     // Ms inside blocking() calls
  std::int64_t spare_procs = 0;          // spare Ps standing in for long-running goroutines
  std::int64_t netpoll_waiters = 0;      // goroutines and threads waiting on fds
  std::int64_t stacks_cached = 0;        // dead goroutines kept for reuse in the global list
  std::int64_t stacks_guarded = 0;       // stacks alive with a guard page
  std::int64_t stacks_slab = 0;          // stacks alive from canary-checked slabs
  std::int64_t timers_pending = 0;       // armed timers, sleeping goroutines included
};

// runtime_stats: the counters now. Cheap (no lock but the per-P timer locks); does not start
// the runtime (all zero before it starts).
GOPOOL_API RuntimeStats runtime_stats() noexcept;

}  // namespace gopool
