#include "net/net_fd.hpp"

#include <unistd.h>

#include <cerrno>

#include "gopool/net/tcp_stream.hpp"
#include "gopool/runtime.hpp"

namespace gopool::detail {

std::int64_t deadline_ns(std::chrono::steady_clock::time_point deadline) noexcept {
  if (deadline == std::chrono::steady_clock::time_point::max()) return kNoDeadlineNs;
  const auto since = deadline.time_since_epoch();
  if (since >= std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                   std::chrono::nanoseconds(kNoDeadlineNs - 1))) {
    return kNoDeadlineNs;
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(since).count();
}

std::error_code errno_code(int err) noexcept {
  return {err, std::system_category()};
}

NetFd* NetFd::open(int descriptor) noexcept {
  PollDesc* pd = netpoll_open(descriptor);
  if (pd == nullptr) {
    const int saved = errno;
    ::close(descriptor);
    errno = saved;
    return nullptr;
  }
  auto* fd = new (std::nothrow) NetFd(descriptor, pd);
  if (fd == nullptr) {
    netpoll_close(pd);
    ::close(descriptor);
    errno = ENOMEM;
  }
  return fd;
}

NetFd::~NetFd() {
  close();
}

std::error_code NetFd::close() noexcept {
  const std::uint64_t old = refs.fetch_or(kClosing, std::memory_order_acq_rel);
  if ((old & kClosing) != 0) return gopool::net::errc::closed;
  // Wake the reader and the writer; the interrupt mark stays set for one that is about to wait,
  // and every user sees kClosing when it looks again (queued users when they get the lock).
  netpoll_interrupt(pd, true, true);
  while ((refs.load(std::memory_order_acquire) & ~kClosing) != 0) {
    gopool::yield();
  }
  netpoll_close(pd);
  ::close(fd);
  return {};
}

std::error_code NetFd::check_deadline(bool write) const noexcept {
  const std::int64_t d = (write ? write_deadline : read_deadline).load(std::memory_order_acquire);
  if (d != kNoDeadlineNs && d <= now_ns()) return gopool::net::errc::timeout;
  return {};
}

void NetFd::pass(bool write) noexcept {
  std::uint32_t& streak = write ? write_streak : read_streak;
  if (++streak < kFairnessOps) return;
  streak = 0;
  if (gopool::in_goroutine()) gopool::yield();
}

std::error_code NetFd::wait(bool write) noexcept {
  (write ? write_streak : read_streak) = 0;
  const std::int64_t d = (write ? write_deadline : read_deadline).load(std::memory_order_acquire);
  const auto deadline = d == kNoDeadlineNs
                            ? std::chrono::steady_clock::time_point::max()
                            : std::chrono::steady_clock::time_point(
                                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::nanoseconds(d)));
  switch (netpoll_wait(pd, write, deadline)) {
    case PollResult::ready:
    case PollResult::interrupted:  // a new deadline, or close(): the caller looks again
    case PollResult::timeout:      // the caller checks the deadline again (it may have moved)
      break;
    case PollResult::closed:
      return gopool::net::errc::closed;
  }
  if (closing()) return gopool::net::errc::closed;
  return check_deadline(write);
}

std::error_code NetFd::set_deadline(bool read, bool write,
                                    std::chrono::steady_clock::time_point deadline) noexcept {
  NetOp op(this);
  if (!op.ok()) return gopool::net::errc::closed;
  const std::int64_t d = deadline_ns(deadline);
  // Only a waiter whose deadline came earlier needs waking: one whose deadline moved later
  // times out at the old one, sees the new one and waits again. So the usual per-request
  // push of a deadline costs no wake-up (and no extra syscall in the next read).
  const bool wake_reader = read && d < read_deadline.exchange(d, std::memory_order_acq_rel);
  const bool wake_writer = write && d < write_deadline.exchange(d, std::memory_order_acq_rel);
  if (wake_reader || wake_writer) netpoll_interrupt(pd, wake_reader, wake_writer);
  return {};
}

void NetFdDelete::operator()(NetFd* fd) const noexcept {
  delete fd;
}

}  // namespace gopool::detail
