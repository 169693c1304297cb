// PoolWorker: one worker of a pool: a goroutine with a one-slot mailbox. Private to pool/.
#pragma once

#include "gopool/detail/parker.hpp"
#include "gopool/detail/task.hpp"
#include "gopool/runtime.hpp"

namespace gopool::detail {

class PoolCore;

// PoolWorker: the state a pool keeps for one worker goroutine. An idle worker sits in the
// pool's idle queue, parked on `parker`; whoever takes it out writes `task` and unparks it. An
// empty mailbox on wake-up means "exit" (purge, release). The struct outlives its goroutine:
// the pool recycles it for the next worker it starts.
struct PoolWorker {
  PoolCore* core = nullptr;
  Parker* parker = nullptr;     // the worker goroutine's Parker; set when it starts
  Task task;                    // the mailbox
  Clock::time_point last_used;  // when it last became idle (orders the idle queue)
  PoolWorker* next_free = nullptr;
};

}  // namespace gopool::detail
