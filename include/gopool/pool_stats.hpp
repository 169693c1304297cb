// PoolStats: the cumulative counters every pool kind reports (Pool::stats() and the others;
// debug::stats() lists them for every live pool).
#pragma once

#include <chrono>
#include <cstdint>

namespace gopool {

// PoolWaitTimes: how long callers that found the pool full waited for a worker (or until they
// gave up). The quantiles are upper bounds from a power-of-two histogram: within a factor of 2.
struct PoolWaitTimes {
  std::uint64_t count = 0;  // callers that waited
  std::chrono::nanoseconds total{0};
  std::chrono::nanoseconds p50{0};
  std::chrono::nanoseconds p90{0};
  std::chrono::nanoseconds p99{0};
  std::chrono::nanoseconds max{0};
};

// PoolStats: cumulative counters of a pool since it was built.
struct PoolStats {
  std::uint64_t submitted = 0;         // tasks accepted (handed to a worker)
  std::uint64_t completed = 0;         // tasks that ran to the end (or threw)
  std::uint64_t exceptions = 0;        // posted tasks that threw (sent to on_exception or the log)
  std::uint64_t rejected = 0;          // tasks refused, whatever the cause (the five below)
  std::uint64_t rejected_closed = 0;   // ... errc::pool_closed
  std::uint64_t rejected_full = 0;     // ... errc::pool_overload: full and nonblocking
  std::uint64_t rejected_waiters = 0;  // ... errc::pool_overload: max_blocking_tasks waited
  std::uint64_t rejected_timeout = 0;  // ... errc::timeout (post_for, submit_until, ...)
  std::uint64_t rejected_context = 0;  // ... the context was done (canceled, deadline_exceeded)
  std::uint64_t discarded = 0;         // rejected tasks dropped by RejectPolicy::discard, or by
                                       // caller_runs because the pool was closed
  std::uint64_t workers_started = 0;   // worker goroutines started
  PoolWaitTimes waits;                 // callers that found the pool full
};

}  // namespace gopool
