// WorkerRing: the idle-worker queue of a pre_alloc pool, a fixed ring (ants' loopQueue).
// Private to pool/.
#pragma once

#include <cstddef>
#include <vector>

#include "pools/worker_queue.hpp"

namespace gopool::detail {

// WorkerRing: a FIFO ring of `capacity` slots allocated once. insert() appends at the tail,
// detach() takes the head (the worker idle the longest), so the ring is sorted by last_used from
// head to tail and the expired workers are found by a binary search over the rotated array.
class WorkerRing final : public WorkerQueue {
 public:
  // WorkerRing: an empty ring with `capacity` slots. Throws std::invalid_argument for
  // capacity 0, std::bad_alloc.
  explicit WorkerRing(std::size_t capacity);

  std::size_t size() const noexcept override;
  bool insert(PoolWorker* w) noexcept override;
  PoolWorker* detach() noexcept override;
  std::size_t take_expired(Clock::time_point cutoff, std::vector<PoolWorker*>& out) override;
  void take_all(std::vector<PoolWorker*>& out) override;

  // binary_search: the slot index (not the position from the head) of the newest worker whose
  // last_used is at or before cutoff, or -1 if there is none.
  std::ptrdiff_t binary_search(Clock::time_point cutoff) const noexcept;

  // capacity: the number of slots.
  std::size_t capacity() const noexcept { return items_.size(); }

  // The worker in slot i (null if free); for tests.
  PoolWorker* slot(std::size_t i) const noexcept { return items_[i]; }

  // head / tail: the next slot detach() / insert() uses; for tests.
  std::size_t head() const noexcept { return head_; }
  std::size_t tail() const noexcept { return tail_; }

 private:
  std::vector<PoolWorker*> items_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  bool full_ = false;
};

}  // namespace gopool::detail
