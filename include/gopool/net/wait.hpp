// wait_readable / wait_writable: park the calling goroutine until a file descriptor of the
// user's own (a pipe, an eventfd, a socket of another library) is ready, without holding an OS
// thread.
#pragma once

#include <system_error>

#include "gopool/export.hpp"
#include "gopool/net/deadline.hpp"

namespace gopool {
class Context;
}  // namespace gopool

namespace gopool::net {

// wait_readable: returns {} once fd is readable (data, end of file, a hang-up or an error
// pending: the next read will not block) or errc::timeout once deadline has passed (checked
// after a first look at the fd, so a ready fd wins over a past deadline). Level-triggered: a fd
// that is readable now returns at once. A goroutine parks on the netpoller; a thread outside the
// runtime blocks. The fd need not be non-blocking; it is registered with the netpoller only
// while someone waits on it, and must stay open until the call returns (closing it meanwhile is
// undefined behaviour). Errors: std::errc::bad_file_descriptor for an fd that is not open,
// errc::busy if another goroutine or thread already waits for the same fd to become readable,
// std::errc::operation_not_permitted for an fd epoll refuses (regular files and directories are
// always readable, so they return {} at once instead). Never throws.
GOPOOL_API std::error_code wait_readable(int fd, Clock::time_point deadline = kNoDeadline) noexcept;

// wait_writable: as wait_readable, until fd is writable (room in its buffer, or an error pending).
GOPOOL_API std::error_code wait_writable(int fd, Clock::time_point deadline = kNoDeadline) noexcept;

// wait_readable / wait_writable with a Context: as above, and the wait also ends when ctx is
// done, returning ctx.err() (context_errc::canceled or deadline_exceeded); a ready fd wins over
// a ctx already done only if it is ready at the first look. Never throws.
GOPOOL_API std::error_code wait_readable(int fd, const Context& ctx,
                                         Clock::time_point deadline = kNoDeadline) noexcept;
GOPOOL_API std::error_code wait_writable(int fd, const Context& ctx,
                                         Clock::time_point deadline = kNoDeadline) noexcept;

}  // namespace gopool::net
