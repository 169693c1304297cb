// WorkerStack: the FILO stack of idle workers with a binary search for the expired ones.
#include "pools/worker_stack.hpp"

#include <algorithm>
#include <new>

namespace gopool::detail {

WorkerStack::WorkerStack(std::size_t reserve) {
  items_.reserve(reserve);
}

bool WorkerStack::insert(PoolWorker* w) noexcept {
  try {
    items_.push_back(w);
  } catch (const std::bad_alloc&) {
    return false;
  }
  return true;
}

PoolWorker* WorkerStack::detach() noexcept {
  if (items_.empty()) {
    return nullptr;
  }
  PoolWorker* w = items_.back();
  items_.pop_back();
  return w;
}

std::ptrdiff_t WorkerStack::binary_search(std::ptrdiff_t l, std::ptrdiff_t r,
                                          Clock::time_point cutoff) const noexcept {
  while (l <= r) {
    const std::ptrdiff_t mid = l + (r - l) / 2;
    if (cutoff < items_[static_cast<std::size_t>(mid)]->last_used) {
      r = mid - 1;
    } else {
      l = mid + 1;
    }
  }
  return r;
}

std::size_t WorkerStack::take_expired(Clock::time_point cutoff, std::vector<PoolWorker*>& out) {
  if (items_.empty()) {
    return 0;
  }
  const std::ptrdiff_t last =
      binary_search(0, static_cast<std::ptrdiff_t>(items_.size()) - 1, cutoff);
  if (last < 0) {
    return 0;
  }
  const auto n = static_cast<std::size_t>(last + 1);
  out.insert(out.end(), items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(n));
  items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(n));
  return n;
}

void WorkerStack::take_all(std::vector<PoolWorker*>& out) {
  if (out.empty()) {
    out.swap(items_);  // no copy, no allocation
    return;
  }
  out.insert(out.end(), items_.begin(), items_.end());
  items_.clear();
}

}  // namespace gopool::detail
