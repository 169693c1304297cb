// The pieces PoolCore's own sources share (pool_core.cpp: taking workers, wake-ups, lifecycle;
// worker.cpp: the worker goroutine; purge.cpp: the purge timer) and nobody else sees.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <source_location>
#include <string>

#include "gopool/detail/wait_state.hpp"
#include "pools/pool_core.hpp"

namespace gopool::detail {

// What a WaitState of the pool (a blocked caller's, a sleeper's, drained_) is woken with.
inline constexpr WaitState::Result kWoken = WaitState::kFirstResult;

// Counter updates under the pool lock: a plain load + store is enough (writes are serialized)
// and cheaper than an atomic read-modify-write.
inline void bump(std::atomic<int>& counter, int delta) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t delta = 1) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

// Wakeups: what one critical section decided to wake; delivered after unlocking (deliver()).
struct PoolCore::Wakeups {
  PoolWorker* exits = nullptr;  // returned workers of a closed pool: sent kExit
  Waiter* waiters = nullptr;
  Sleeper* idle = nullptr;
  Sleeper* exit = nullptr;
};

// describe: "std::runtime_error: what()" for an exception (its type demangled), and
// "file:line (function)" for a post site ("an unknown site" for an empty one), for log
// messages. Both may throw std::bad_alloc.
std::string describe(const std::exception_ptr& error);
std::string describe(const std::source_location& where);

}  // namespace gopool::detail
