// WorkerQueue: where a pool keeps its idle workers: the FILO WorkerStack (default) or the
// fixed WorkerRing (pre_alloc). Private to pool/; callers hold the pool lock.
#pragma once

#include <cstddef>
#include <vector>

#include "gopool/runtime.hpp"
#include "pools/worker.hpp"

namespace gopool::detail {

// WorkerQueue: the idle workers, ordered by the time they became idle (oldest first).
class WorkerQueue {
 public:
  virtual ~WorkerQueue() = default;

  // size: the number of idle workers.
  virtual std::size_t size() const noexcept = 0;

  // empty: size() == 0.
  bool empty() const noexcept { return size() == 0; }

  // insert: adds a worker that just became idle (its last_used is the newest). Returns false,
  // changing nothing, when there is no room (a full ring, or no memory).
  virtual bool insert(PoolWorker* w) noexcept = 0;

  // detach: removes and returns the worker the next task should go to, or null when empty.
  virtual PoolWorker* detach() noexcept = 0;

  // take_expired: moves every worker whose last_used is at or before cutoff to the end of out,
  // oldest first, and returns how many it moved.
  virtual std::size_t take_expired(Clock::time_point cutoff, std::vector<PoolWorker*>& out) = 0;

  // take_all: moves every worker to the end of out and empties the queue.
  virtual void take_all(std::vector<PoolWorker*>& out) = 0;
};

}  // namespace gopool::detail
