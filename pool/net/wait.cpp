#include "gopool/net/wait.hpp"

#include <poll.h>

#include <cerrno>
#include <mutex>
#include <unordered_map>

#include "gopool/context.hpp"
#include "net/net_fd.hpp"

namespace gopool::net {
namespace {

// A user fd registered with the netpoller while someone waits on it.
struct Watch {
  detail::PollDesc* pd = nullptr;
  int users = 0;
  bool reader = false;
  bool writer = false;
};

struct Watches {
  std::mutex mu;  // held only for map updates and registration, never while waiting
  std::unordered_map<int, Watch> by_fd;
};

Watches& watches() {
  static auto* w = new Watches();  // never destroyed: waiters may outlive main
  return *w;
}

// ready_now: a zero-timeout poll(2): 1 ready, 0 not ready, or -errno.
int ready_now(int fd, bool write) noexcept {
  for (;;) {
    pollfd p{fd, static_cast<short>(write ? POLLOUT : POLLIN), 0};
    const int r = ::poll(&p, 1, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if ((p.revents & POLLNVAL) != 0) return -EBADF;
    return r > 0 ? 1 : 0;
  }
}

std::error_code wait_for(int fd, bool write, Clock::time_point deadline,
                         const Context* ctx) noexcept {
  if (fd < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  int r = ready_now(fd, write);
  if (r != 0) return r > 0 ? std::error_code() : detail::errno_code(-r);
  if (deadline != kNoDeadline && deadline <= Clock::now()) return errc::timeout;
  if (ctx != nullptr) {
    if (std::error_code done = ctx->err()) return done;
  }

  Watches& ws = watches();
  detail::PollDesc* pd = nullptr;
  {
    std::lock_guard lock(ws.mu);
    auto it = ws.by_fd.find(fd);
    if (it == ws.by_fd.end()) {
      detail::PollDesc* fresh = detail::netpoll_open(fd);
      if (fresh == nullptr) {
        if (errno == EEXIST) return errc::busy;  // registered by a TcpStream or TcpListener
        return detail::errno_code(errno);
      }
      it = ws.by_fd.emplace(fd, Watch{fresh}).first;
    }
    Watch& w = it->second;
    bool& mine = write ? w.writer : w.reader;
    if (mine) return errc::busy;
    mine = true;
    ++w.users;
    pd = w.pd;
  }

  std::error_code result;
  detail::NetCancel cancel(pd, write);
  std::error_code early;
  if (ctx != nullptr) early = detail::context_attach(*ctx, cancel);
  for (;;) {
    if (early) {
      result = early;
      break;
    }
    if (auto ec = cancel.error()) {
      result = ec;
      break;
    }
    // Registered now: a change of readiness from here on leaves a mark in pd, and readiness
    // that came before shows in poll(2).
    r = ready_now(fd, write);
    if (r != 0) {
      if (r < 0) result = detail::errno_code(-r);
      break;
    }
    const auto outcome = detail::netpoll_wait(pd, write, deadline);
    if (outcome == detail::PollResult::timeout) {
      result = errc::timeout;
      break;
    }
    if (outcome == detail::PollResult::closed) {
      result = errc::closed;
      break;
    }
  }

  if (ctx != nullptr) detail::context_detach(*ctx, cancel);
  std::lock_guard lock(ws.mu);
  auto it = ws.by_fd.find(fd);
  Watch& w = it->second;
  (write ? w.writer : w.reader) = false;
  if (--w.users == 0) {
    detail::netpoll_close(w.pd);  // nobody waits on it: returns without waiting
    ws.by_fd.erase(it);
  }
  return result;
}

}  // namespace

std::error_code wait_readable(int fd, Clock::time_point deadline) noexcept {
  return wait_for(fd, false, deadline, nullptr);
}

std::error_code wait_writable(int fd, Clock::time_point deadline) noexcept {
  return wait_for(fd, true, deadline, nullptr);
}

std::error_code wait_readable(int fd, const Context& ctx, Clock::time_point deadline) noexcept {
  return wait_for(fd, false, deadline, &ctx);
}

std::error_code wait_writable(int fd, const Context& ctx, Clock::time_point deadline) noexcept {
  return wait_for(fd, true, deadline, &ctx);
}

}  // namespace gopool::net
