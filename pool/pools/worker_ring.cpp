// WorkerRing: the fixed ring of idle workers used by pre_alloc pools.
#include "pools/worker_ring.hpp"

#include <stdexcept>

namespace gopool::detail {

WorkerRing::WorkerRing(std::size_t capacity) : items_(capacity, nullptr) {
  if (capacity == 0) {
    throw std::invalid_argument("gopool: WorkerRing needs at least one slot");
  }
}

std::size_t WorkerRing::size() const noexcept {
  if (full_) {
    return items_.size();
  }
  return tail_ >= head_ ? tail_ - head_ : items_.size() - head_ + tail_;
}

bool WorkerRing::insert(PoolWorker* w) noexcept {
  if (full_) {
    return false;
  }
  items_[tail_] = w;
  tail_ = (tail_ + 1) % items_.size();
  full_ = tail_ == head_;
  return true;
}

PoolWorker* WorkerRing::detach() noexcept {
  if (!full_ && head_ == tail_) {
    return nullptr;
  }
  PoolWorker* w = items_[head_];
  items_[head_] = nullptr;
  head_ = (head_ + 1) % items_.size();
  full_ = false;
  return w;
}

std::ptrdiff_t WorkerRing::binary_search(Clock::time_point cutoff) const noexcept {
  const std::size_t n = size();
  if (n == 0 || cutoff < items_[head_]->last_used) {
    return -1;
  }
  // Search positions [0, n) counted from the head, then map back to a slot.
  const std::size_t cap = items_.size();
  std::ptrdiff_t l = 0;
  std::ptrdiff_t r = static_cast<std::ptrdiff_t>(n) - 1;
  while (l <= r) {
    const std::ptrdiff_t mid = l + (r - l) / 2;
    if (cutoff < items_[(head_ + static_cast<std::size_t>(mid)) % cap]->last_used) {
      r = mid - 1;
    } else {
      l = mid + 1;
    }
  }
  return static_cast<std::ptrdiff_t>((head_ + static_cast<std::size_t>(r)) % cap);
}

std::size_t WorkerRing::take_expired(Clock::time_point cutoff, std::vector<PoolWorker*>& out) {
  const std::ptrdiff_t last = binary_search(cutoff);
  if (last < 0) {
    return 0;
  }
  const std::size_t cap = items_.size();
  const std::size_t n = (static_cast<std::size_t>(last) + cap - head_) % cap + 1;
  out.reserve(out.size() + n);  // may throw before anything moved
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(items_[head_]);
    items_[head_] = nullptr;
    head_ = (head_ + 1) % cap;
  }
  full_ = false;
  return n;
}

void WorkerRing::take_all(std::vector<PoolWorker*>& out) {
  out.reserve(out.size() + size());
  while (PoolWorker* w = detach()) {
    out.push_back(w);
  }
  head_ = 0;
  tail_ = 0;
}

}  // namespace gopool::detail
