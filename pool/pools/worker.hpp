// PoolWorker: one worker of a pool: a goroutine with a one-slot mailbox. Private to pool/.
#pragma once

#include <atomic>
#include <cstdint>
#include <source_location>

#include "gopool/detail/task.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/runtime.hpp"

namespace gopool::detail {

class PoolCore;

// PoolWorker: the state a pool keeps for one worker goroutine. An idle worker sits in the
// pool's idle queue (or, just back from a task, on its returned list until the next holder of
// the pool lock files it); whoever takes it out writes `task` and wakes `mail` with kTask, or
// with kExit (purge, release). The idle worker polls `mail` briefly, then waits on it through
// the runtime's wait seam, which unparks it only if it really parked. The struct outlives its
// goroutine: the pool recycles it for the next worker it starts.
struct PoolWorker {
  static constexpr WaitState::Result kTask = WaitState::kFirstResult;  // `task` holds a task
  static constexpr WaitState::Result kExit = kTask + 1;  // stop: purged or released while idle

  PoolCore* core = nullptr;
  Task task;                            // the mailbox's content ...
  std::source_location site;            // ... and where it was posted
  WaitState mail;                       // bound to the worker goroutine when it starts
  Clock::time_point last_used;          // when it last became idle (orders the idle queue)
  PoolWorker* next_returned = nullptr;  // link on the pool's returned list, or an exit list
  PoolWorker* next_free = nullptr;
};

}  // namespace gopool::detail
