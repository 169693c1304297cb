// The scheduler's side of the netpoller (the users' side is gopool/detail/netpoll.hpp).
#pragma once

#include <cstdint>

namespace gopool::detail {

// True when goroutines wait on fds, so polling may find work.
bool netpoll_active() noexcept;

// Polls once without blocking and makes the waiters of ready fds runnable. Returns how many.
int netpoll_poll() noexcept;

// Blocks in epoll_wait until an fd is ready, deadline_ns passes (kNoDeadline = no limit) or
// netpoll_break() is called; makes the waiters runnable. Only one thread blocks at a time:
// returns -1 at once if another does.
int netpoll_block(std::int64_t deadline_ns) noexcept;

// Wakes the thread blocked in netpoll_block, if any, when deadline_ns is earlier than what it
// waits for (a new timer).
void netpoll_break_for(std::int64_t deadline_ns) noexcept;

// Nanoseconds since the last poll (for the monitor).
std::int64_t netpoll_last_poll_ns() noexcept;

}  // namespace gopool::detail
