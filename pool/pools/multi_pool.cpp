// MultiPool: several Pools behind one submit point (ants' multipool.go).
#include "gopool/multi_pool.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "pools/pool_core.hpp"
#include "pools/registry.hpp"

namespace gopool {

MultiPool::MultiPool(int size, int size_per_pool, LoadBalancing strategy, PoolOptions options)
    : index_(std::numeric_limits<std::uint32_t>::max()), strategy_(strategy) {
  if (size <= 0) {
    throw std::system_error(make_error_code(errc::invalid_multi_pool_size));
  }
  if (strategy != LoadBalancing::round_robin && strategy != LoadBalancing::least_tasks) {
    throw std::system_error(make_error_code(errc::invalid_load_balancing_strategy));
  }
  pools_.reserve(static_cast<std::size_t>(size));
  name_ = options.name.empty() ? detail::next_pool_name() : options.name;
  for (int i = 0; i < size; ++i) {
    options.name = name_ + "/" + std::to_string(i);
    pools_.push_back(std::make_unique<Pool>(size_per_pool, options));
  }
}

MultiPool::~MultiPool() {
  for (auto& pool : pools_) {
    pool->release();
  }
  pools_.clear();  // each ~Pool waits for its workers
}

std::size_t MultiPool::next(LoadBalancing strategy) noexcept {
  if (strategy == LoadBalancing::round_robin) {
    // index_ starts at the maximum, so the first task goes to pool 0.
    return (index_.fetch_add(1, std::memory_order_relaxed) + 1) % pools_.size();
  }
  // Least tasks = fewest tasks running now (busy(), estimated without the pools' locks). ants
  // counts live workers (Running()), which idle workers inflate, so its retry on overload often
  // picks the same full pool.
  std::size_t best = 0;
  int least = std::numeric_limits<int>::max();
  for (std::size_t i = 0; i < pools_.size(); ++i) {
    const int n = pools_[i]->core().busy_estimate();
    if (n < least) {
      least = n;
      best = i;
    }
  }
  return best;
}

std::error_code MultiPool::post_task(detail::Task& task, const detail::PoolWait& wait,
                                     const std::source_location& where, detail::Refused mode) {
  detail::PoolCore& first = pools_[next(strategy_)]->core();
  if (strategy_ != LoadBalancing::round_robin) return first.post_task(task, wait, where, mode);
  // Round robin: a full pool passes the task on, once, to the least loaded one.
  const std::error_code ec = first.post_task(task, wait, where, mode, true);
  if (ec != errc::pool_overload) return ec;
  return pools_[next(LoadBalancing::least_tasks)]->core().post_task(task, wait, where, mode);
}

std::error_code MultiPool::null_task_error() const noexcept {
  return pools_.front()->core().null_task_error();
}

int MultiPool::running() const noexcept {
  int n = 0;
  for (const auto& pool : pools_) {
    n += pool->running();
  }
  return n;
}

int MultiPool::busy() const noexcept {
  int n = 0;
  for (const auto& pool : pools_) {
    n += pool->busy();
  }
  return n;
}

int MultiPool::free() const noexcept {
  int n = 0;
  for (const auto& pool : pools_) {
    n += pool->free();
  }
  return n;
}

int MultiPool::waiting() const noexcept {
  int n = 0;
  for (const auto& pool : pools_) {
    n += pool->waiting();
  }
  return n;
}

int MultiPool::cap() const noexcept {
  int n = 0;
  for (const auto& pool : pools_) {
    n += pool->cap();
  }
  return n;
}

IndexedCount MultiPool::at(int index,
                           int (detail::PoolBase::*counter)() const noexcept) const noexcept {
  if (index < 0 || index >= size()) {
    return {-1, make_error_code(errc::invalid_pool_index)};
  }
  return {(pools_[static_cast<std::size_t>(index)].get()->*counter)(), {}};
}

IndexedCount MultiPool::running_at(int index) const noexcept {
  return at(index, &detail::PoolBase::running);
}
IndexedCount MultiPool::busy_at(int index) const noexcept {
  return at(index, &detail::PoolBase::busy);
}
IndexedCount MultiPool::free_at(int index) const noexcept {
  return at(index, &detail::PoolBase::free);
}
IndexedCount MultiPool::waiting_at(int index) const noexcept {
  return at(index, &detail::PoolBase::waiting);
}

std::error_code MultiPool::tune(int n) {
  std::error_code first;
  for (auto& pool : pools_) {
    if (std::error_code ec = pool->tune(n); ec && !first) {
      first = ec;
    }
  }
  return first;
}

void MultiPool::release() {
  closed_.store(true, std::memory_order_release);
  for (auto& pool : pools_) {
    pool->release();
  }
}

std::error_code MultiPool::release_timeout_clock(Clock::duration timeout) {
  const Clock::time_point deadline = detail::deadline_in(timeout);
  bool expected = false;
  if (!closed_.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
    return errc::pool_closed;
  }
  for (auto& pool : pools_) {
    pool->release();
  }
  bool all = true;
  for (auto& pool : pools_) {
    all = pool->core().join_until(deadline) && all;
  }
  return all ? std::error_code{} : make_error_code(errc::timeout);
}

void MultiPool::reboot() {
  bool expected = true;
  if (closed_.compare_exchange_strong(expected, false, std::memory_order_acq_rel)) {
    index_.store(0, std::memory_order_relaxed);
    for (auto& pool : pools_) {
      pool->reboot();
    }
  }
}

void MultiPool::wait() {
  for (auto& pool : pools_) {
    pool->wait();
  }
}

bool MultiPool::wait_until(Clock::time_point deadline) {
  bool all = true;
  for (auto& pool : pools_) {
    all = pool->core().wait_until(deadline) && all;
  }
  return all;
}

PoolStats MultiPool::stats() const noexcept {
  PoolStats sum;
  for (const auto& pool : pools_) {
    const PoolStats s = pool->stats();
    sum.submitted += s.submitted;
    sum.completed += s.completed;
    sum.exceptions += s.exceptions;
    sum.rejected += s.rejected;
    sum.rejected_closed += s.rejected_closed;
    sum.rejected_full += s.rejected_full;
    sum.rejected_waiters += s.rejected_waiters;
    sum.rejected_timeout += s.rejected_timeout;
    sum.rejected_context += s.rejected_context;
    sum.discarded += s.discarded;
    sum.workers_started += s.workers_started;
    sum.waits.count += s.waits.count;
    sum.waits.total += s.waits.total;
    sum.waits.p50 = std::max(sum.waits.p50, s.waits.p50);
    sum.waits.p90 = std::max(sum.waits.p90, s.waits.p90);
    sum.waits.p99 = std::max(sum.waits.p99, s.waits.p99);
    sum.waits.max = std::max(sum.waits.max, s.waits.max);
  }
  return sum;
}

}  // namespace gopool
