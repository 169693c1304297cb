// WorkerStack: the default idle-worker queue, a FILO stack (ants' workerStack). Private to pool/.
#pragma once

#include <cstddef>
#include <vector>

#include "pools/worker_queue.hpp"

namespace gopool::detail {

// WorkerStack: idle workers bottom (least recently used) to top (most recently used). detach()
// pops the top, the warmest worker. Because workers are pushed in the order they become idle,
// the stack is sorted by last_used, so the expired ones are found by binary search.
class WorkerStack final : public WorkerQueue {
 public:
  // WorkerStack: an empty stack with room for `reserve` workers before it reallocates.
  explicit WorkerStack(std::size_t reserve = 0);

  std::size_t size() const noexcept override { return items_.size(); }
  bool insert(PoolWorker* w) noexcept override;
  PoolWorker* detach() noexcept override;
  std::size_t take_expired(Clock::time_point cutoff, std::vector<PoolWorker*>& out) override;
  void take_all(std::vector<PoolWorker*>& out) override;

  // binary_search: within items [l, r], the index of the last worker whose last_used is at or
  // before cutoff, or l - 1 if there is none (-1 for l == 0). Requires sorted items.
  std::ptrdiff_t binary_search(std::ptrdiff_t l, std::ptrdiff_t r,
                               Clock::time_point cutoff) const noexcept;

 private:
  std::vector<PoolWorker*> items_;
};

}  // namespace gopool::detail
