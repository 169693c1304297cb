// The one seam between the runtime and everything built on it: "block whoever is calling
// until notified" and "notify". Sync primitives and the pool use only this and Timer.
#pragma once

#include <chrono>
#include <cstdint>

#include "gopool/export.hpp"

namespace gopool::detail {

// WaitReason: why a goroutine waits; shown by the goroutine dump.
enum class WaitReason : std::uint8_t {
  none,
  chan_recv,
  chan_send,
  select,
  sleep,
  mutex,
  semaphore,
  wait_group,
  future,
  io,
  pool_idle,
  pool_submit,
  context,
  blocking,
};

// Name of a wait reason, for dumps and logs.
GOPOOL_API const char* to_string(WaitReason reason) noexcept;

// Parker: the parking state of one goroutine or one foreign OS thread. Protocol: a waiter
// publishes its Parker (e.g. in a queue under a lock), releases the lock, then parks; a
// notifier removes the Parker from that queue and calls unpark() exactly once. A notify that
// arrives before park() makes park() return at once, so no wakeup is lost. After a timed-out
// park_until() the waiter must remove its Parker from the queue itself; if a notifier took it
// first, the waiter calls park() to consume the notify that is on its way.
class Parker;

// The calling goroutine's Parker, or the calling thread's. Never null. Not inlined, because a
// goroutine may resume on another thread.
GOPOOL_API Parker* current_parker() noexcept;

// Blocks the caller until unpark(p): a goroutine parks (its thread runs others), a thread waits
// on a futex. p must be current_parker().
GOPOOL_API void park(Parker* p, WaitReason reason) noexcept;

// As park(), but gives up at deadline: returns true if notified, false on timeout.
GOPOOL_API bool park_until(Parker* p, std::chrono::steady_clock::time_point deadline,
                           WaitReason reason) noexcept;
// As park_until(), for a caller that has just read the clock: `now` saves reading it again
// (a clock read is a good share of a short sleep). A timeout (false) means deadline passed.
GOPOOL_API bool park_until(Parker* p, std::chrono::steady_clock::time_point deadline,
                           WaitReason reason, std::chrono::steady_clock::time_point now) noexcept;

// Wakes the owner of p. Callable from any goroutine, thread or timer callback; never blocks.
GOPOOL_API void unpark(Parker* p) noexcept;

}  // namespace gopool::detail
