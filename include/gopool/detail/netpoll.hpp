// The netpoller seam: park the calling goroutine until a non-blocking fd is ready. One epoll
// set, edge-triggered, integrated with the scheduler: a waiting goroutine holds no thread, and
// an idle thread blocks in epoll_wait until the next timer. Foreign threads wait on a futex.
#pragma once

#include <chrono>
#include <cstdint>

#include "gopool/export.hpp"

namespace gopool::detail {

// PollDesc: one registered fd. Owned by the poller; never freed, only reused, so a late event
// for a closed fd is harmless (at worst a spurious readiness, which edge-triggered users
// already handle by retrying the call).
struct PollDesc;

// Result of a wait.
enum class PollResult : std::uint8_t {
  ready,        // the fd may be ready: retry the call (it may still say EAGAIN)
  timeout,      // the deadline passed first
  closed,       // netpoll_close() was called
  interrupted,  // netpoll_interrupt() woke the waiter (e.g. its deadline changed)
};

// Registers fd, which must be non-blocking, for read and write readiness. Returns nullptr and
// leaves errno set if epoll refuses it (EBADF, EPERM for regular files, ...).
GOPOOL_API PollDesc* netpoll_open(int fd) noexcept;

// Unregisters pd's fd (without closing it) and wakes its waiters with PollResult::closed.
// pd must not be used afterwards. Call it before closing the fd.
GOPOOL_API void netpoll_close(PollDesc* pd) noexcept;

// Waits until pd's fd is readable (write = false) or writable (write = true), or the deadline
// passes (time_point::max() = no deadline). A goroutine parks, a thread blocks. At most one
// reader and one writer may wait on one PollDesc at a time.
GOPOOL_API PollResult netpoll_wait(PollDesc* pd, bool write,
                                   std::chrono::steady_clock::time_point deadline) noexcept;

// Wakes the current reader and/or writer of pd with PollResult::interrupted.
GOPOOL_API void netpoll_interrupt(PollDesc* pd, bool read, bool write) noexcept;

// Goroutines and threads waiting in netpoll_wait now.
GOPOOL_API std::int64_t netpoll_waiters() noexcept;

}  // namespace gopool::detail
