#include "gopool/net/tcp_stream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <utility>

#include "net/net_fd.hpp"

namespace gopool::net {

using detail::errno_code;
using detail::NetCancel;
using detail::NetFd;
using detail::NetOp;

namespace {

bool would_block(int err) {
  return err == EAGAIN || err == EWOULDBLOCK;
}

// connect_one: one non-blocking connect, waiting for the handshake on the netpoller.
Result<NetFd*> connect_one(const Address& address, Clock::time_point deadline) {
  if (address.family() == AF_UNSPEC) return errc::invalid_address;
  const int s = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (s < 0) return errno_code(errno);
  NetFd* fd = NetFd::open(s);
  if (fd == nullptr) return errno_code(errno);
  std::unique_ptr<NetFd, detail::NetFdDelete> owner(fd);
  const int one = 1;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd->write_deadline.store(detail::deadline_ns(deadline), std::memory_order_relaxed);
  if (auto ec = fd->check_deadline(true)) return ec;
  if (::connect(s, address.native(), address.native_size()) == 0) {
    fd->write_deadline.store(detail::kNoDeadlineNs, std::memory_order_relaxed);
    return owner.release();
  }
  int err = errno;
  if (err != EINPROGRESS && err != EINTR && err != EALREADY) return errno_code(err);
  for (;;) {
    if (auto ec = fd->wait(true)) return ec;
    socklen_t len = sizeof err;
    if (::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno_code(errno);
    if (err == EINPROGRESS || err == EALREADY || err == EINTR) continue;
    if (err != 0) return errno_code(err);
    // No error yet may still mean "not connected yet" after a spurious wake-up.
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    if (::getpeername(s, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0) break;
    if (errno != ENOTCONN) return errno_code(errno);
  }
  fd->write_deadline.store(detail::kNoDeadlineNs, std::memory_order_relaxed);
  return owner.release();
}

Result<Address> socket_name(const NetFd* fd, bool peer) {
  if (fd == nullptr || fd->closing()) return errc::closed;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  auto* sa = reinterpret_cast<sockaddr*>(&ss);
  const int rc = peer ? ::getpeername(fd->fd, sa, &len) : ::getsockname(fd->fd, sa, &len);
  if (rc != 0) return errno_code(errno);
  return Address::from_native(sa, len);
}

// One transfer: calls io() (a ::recv or ::send on fd, returning ssize_t) until it neither fails
// with EINTR nor would block, waiting for readiness in between, and gives up when fd closes or
// its deadline passes. Returns io()'s count (>= 0) or the error. The caller holds the lock of
// the direction.
template <class Io>
std::pair<std::size_t, std::error_code> transfer(NetFd* fd, bool writing, const NetCancel* cancel,
                                                 Io&& io) {
  for (;;) {
    if (fd->closing()) return {0, errc::closed};
    if (cancel != nullptr) {
      if (auto ec = cancel->error()) return {0, ec};
    }
    if (auto ec = fd->check_deadline(writing)) return {0, ec};
    const ssize_t n = io();
    if (n >= 0) return {static_cast<std::size_t>(n), {}};
    const int err = errno;
    if (err == EINTR) continue;
    if (!would_block(err)) return {0, errno_code(err)};
    if (auto ec = fd->wait(writing)) return {0, ec};
  }
}

}  // namespace

TcpStream::TcpStream() noexcept = default;
TcpStream::TcpStream(TcpStream&&) noexcept = default;
TcpStream& TcpStream::operator=(TcpStream&&) noexcept = default;
TcpStream::~TcpStream() = default;
TcpStream::TcpStream(detail::NetFd* fd) noexcept : fd_(fd) {}

Result<TcpStream> TcpStream::connect(std::string_view address, Clock::time_point deadline) {
  auto addresses = Address::resolve(address);
  if (!addresses) return addresses.error();
  std::error_code first;
  for (const Address& a : *addresses) {
    auto r = connect_one(a, deadline);
    if (r) return TcpStream(*r);
    if (!first) first = r.error();
    if (r.error() == errc::timeout) break;
  }
  return first;
}

Result<TcpStream> TcpStream::connect(const Address& address, Clock::time_point deadline) {
  auto r = connect_one(address, deadline);
  if (!r) return r.error();
  return TcpStream(*r);
}

namespace {

// The four transfers, each with an optional Context link (cancel). The caller holds a NetOp.
IoResult read_some(NetFd* fd, void* data, std::size_t size, const NetCancel* cancel) {
  if (size == 0) return {};
  std::lock_guard lock(fd->read_lock);
  const auto [n, ec] = transfer(fd, false, cancel, [&] { return ::recv(fd->fd, data, size, 0); });
  if (ec) return {0, ec};
  if (n == 0) return {0, errc::eof};
  fd->pass(false);
  return {n, {}};
}

IoResult read_all(NetFd* fd, void* data, std::size_t size, const NetCancel* cancel) {
  auto* p = static_cast<char*>(data);
  std::size_t done = 0;
  std::lock_guard lock(fd->read_lock);
  while (done < size) {
    const auto [n, ec] =
        transfer(fd, false, cancel, [&] { return ::recv(fd->fd, p + done, size - done, 0); });
    if (ec) return {done, ec};
    if (n == 0) return {done, done == 0 ? errc::eof : errc::unexpected_eof};
    done += n;
  }
  fd->pass(false);
  return {done, {}};
}

IoResult write_some(NetFd* fd, const void* data, std::size_t size, const NetCancel* cancel) {
  if (size == 0) return {};
  std::lock_guard lock(fd->write_lock);
  const auto [n, ec] =
      transfer(fd, true, cancel, [&] { return ::send(fd->fd, data, size, MSG_NOSIGNAL); });
  if (ec) return {0, ec};
  fd->pass(true);
  return {n, {}};
}

IoResult write_every(NetFd* fd, const void* data, std::size_t size, const NetCancel* cancel) {
  const auto* p = static_cast<const char*>(data);
  std::size_t done = 0;
  std::lock_guard lock(fd->write_lock);
  while (done < size) {
    const auto [n, ec] = transfer(
        fd, true, cancel, [&] { return ::send(fd->fd, p + done, size - done, MSG_NOSIGNAL); });
    if (ec) return {done, ec};
    done += n;
  }
  fd->pass(true);
  return {done, {}};
}

// Runs how(cancel) on fd: without a context (ctx null, cancel null) or linked to *ctx.
template <class How>
IoResult run(NetFd* fd, bool writing, const Context* ctx, How&& how) {
  NetOp op(fd);
  if (!op.ok()) return {0, errc::closed};
  if (ctx == nullptr) return how(nullptr);
  NetCancel cancel(fd->pd, writing);
  detail::ContextLink link(*ctx, cancel);
  if (link.error()) return {0, link.error()};
  return how(&cancel);
}

}  // namespace

IoResult TcpStream::read(void* data, std::size_t size) {
  NetFd* fd = fd_.get();
  return run(fd, false, nullptr, [&](const NetCancel* c) { return read_some(fd, data, size, c); });
}

IoResult TcpStream::read(const Context& ctx, void* data, std::size_t size) {
  NetFd* fd = fd_.get();
  return run(fd, false, &ctx, [&](const NetCancel* c) { return read_some(fd, data, size, c); });
}

IoResult TcpStream::read_full(void* data, std::size_t size) {
  NetFd* fd = fd_.get();
  return run(fd, false, nullptr, [&](const NetCancel* c) { return read_all(fd, data, size, c); });
}

IoResult TcpStream::read_full(const Context& ctx, void* data, std::size_t size) {
  NetFd* fd = fd_.get();
  return run(fd, false, &ctx, [&](const NetCancel* c) { return read_all(fd, data, size, c); });
}

IoResult TcpStream::write(const void* data, std::size_t size) {
  NetFd* fd = fd_.get();
  return run(fd, true, nullptr, [&](const NetCancel* c) { return write_some(fd, data, size, c); });
}

IoResult TcpStream::write(const Context& ctx, const void* data, std::size_t size) {
  NetFd* fd = fd_.get();
  return run(fd, true, &ctx, [&](const NetCancel* c) { return write_some(fd, data, size, c); });
}

IoResult TcpStream::write_all(const void* data, std::size_t size) {
  NetFd* fd = fd_.get();
  return run(fd, true, nullptr, [&](const NetCancel* c) { return write_every(fd, data, size, c); });
}

IoResult TcpStream::write_all(const Context& ctx, const void* data, std::size_t size) {
  NetFd* fd = fd_.get();
  return run(fd, true, &ctx, [&](const NetCancel* c) { return write_every(fd, data, size, c); });
}

std::error_code TcpStream::close() noexcept {
  if (!fd_) return errc::closed;
  return fd_->close();
}

std::error_code TcpStream::shutdown(Shutdown how) noexcept {
  NetOp op(fd_.get());
  if (!op.ok()) return errc::closed;
  const int h = how == Shutdown::read ? SHUT_RD : how == Shutdown::write ? SHUT_WR : SHUT_RDWR;
  if (::shutdown(fd_->fd, h) != 0) return errno_code(errno);
  return {};
}

std::error_code TcpStream::set_read_deadline(Clock::time_point deadline) noexcept {
  if (!fd_) return errc::closed;
  return fd_->set_deadline(true, false, deadline);
}

std::error_code TcpStream::set_write_deadline(Clock::time_point deadline) noexcept {
  if (!fd_) return errc::closed;
  return fd_->set_deadline(false, true, deadline);
}

std::error_code TcpStream::set_deadline(Clock::time_point deadline) noexcept {
  if (!fd_) return errc::closed;
  return fd_->set_deadline(true, true, deadline);
}

std::error_code TcpStream::set_no_delay(bool no_delay) noexcept {
  NetOp op(fd_.get());
  if (!op.ok()) return errc::closed;
  const int value = no_delay ? 1 : 0;
  if (::setsockopt(fd_->fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof value) != 0) {
    return errno_code(errno);
  }
  return {};
}

Result<Address> TcpStream::local_address() const {
  NetOp op(fd_.get());
  if (!op.ok()) return errc::closed;
  return socket_name(fd_.get(), false);
}

Result<Address> TcpStream::remote_address() const {
  NetOp op(fd_.get());
  if (!op.ok()) return errc::closed;
  return socket_name(fd_.get(), true);
}

bool TcpStream::is_open() const noexcept {
  return fd_ && !fd_->closing();
}

int TcpStream::native_handle() const noexcept {
  return is_open() ? fd_->fd : -1;
}

}  // namespace gopool::net
