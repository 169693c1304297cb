// PoolWorker: one worker of a pool: a goroutine with a one-slot mailbox. Private to pool/.
#pragma once

#include <atomic>
#include <cstdint>

#include "gopool/detail/parker.hpp"
#include "gopool/detail/task.hpp"
#include "gopool/runtime.hpp"

namespace gopool::detail {

class PoolCore;

// PoolWorker: the state a pool keeps for one worker goroutine. An idle worker sits in the
// pool's idle queue (or, just back from a task, on its returned list until the next holder of
// the pool lock files it); whoever takes it out writes `task` and publishes kTask in `mail`, or
// publishes kExit (purge, release). The idle worker spins on `mail` briefly, then announces
// kParking and parks: a sender that replaces kParking unparks it (exactly once); one that
// replaces kEmpty does not, as the spinning worker will see the mail itself. The struct
// outlives its goroutine: the pool recycles it for the next worker it starts.
struct PoolWorker {
  static constexpr std::uint32_t kEmpty = 0;
  static constexpr std::uint32_t kTask = 1;     // `task` holds the next task
  static constexpr std::uint32_t kExit = 2;     // stop: purged or released while idle
  static constexpr std::uint32_t kParking = 3;  // idle and parked (or about to park)

  PoolCore* core = nullptr;
  Parker* parker = nullptr;  // the worker goroutine's Parker; set when it starts
  Task task;                 // the mailbox
  std::atomic<std::uint32_t> mail{kEmpty};
  Clock::time_point last_used;          // when it last became idle (orders the idle queue)
  PoolWorker* next_returned = nullptr;  // link on the pool's returned list, or an exit list
  PoolWorker* next_free = nullptr;
};

}  // namespace gopool::detail
