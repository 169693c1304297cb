#include "gopool/net/tcp_listener.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "net/net_fd.hpp"

namespace gopool::net {

using detail::errno_code;
using detail::NetFd;
using detail::NetOp;

namespace {

bool is_ipv6_any(const Address& a) {
  if (!a.is_v6()) return false;
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a.native());
  return IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
}

// open_listener: socket + SO_REUSEADDR + bind + listen, or the errno of the step that failed.
Result<NetFd*> open_listener(const Address& address, int backlog) {
  const int s = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (s < 0) return errno_code(errno);
  const int one = 1;
  const int zero = 0;
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // The IPv6 wildcard serves IPv4 too (dual stack), as Go's listeners on ":port".
  if (is_ipv6_any(address)) ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (::bind(s, address.native(), address.native_size()) != 0 || ::listen(s, backlog) != 0) {
    const int err = errno;
    ::close(s);
    return errno_code(err);
  }
  NetFd* fd = NetFd::open(s);
  if (fd == nullptr) return errno_code(errno);
  return fd;
}

}  // namespace

TcpListener::TcpListener() noexcept = default;
TcpListener::TcpListener(TcpListener&&) noexcept = default;
TcpListener& TcpListener::operator=(TcpListener&&) noexcept = default;
TcpListener::~TcpListener() = default;

Result<TcpListener> TcpListener::listen(std::string_view address, int backlog) {
  auto addresses = Address::resolve(address);
  if (!addresses) return addresses.error();
  return listen(addresses->front(), backlog);
}

Result<TcpListener> TcpListener::listen(const Address& address, int backlog) {
  if (address.family() == AF_UNSPEC) return errc::invalid_address;
  if (backlog <= 0) backlog = kDefaultBacklog;
  auto fd = open_listener(address, backlog);
  if (!fd && is_ipv6_any(address) && fd.error() == std::errc::address_family_not_supported) {
    // No IPv6 on this host: the IPv4 wildcard on the same port.
    sockaddr_in in4{};
    in4.sin_family = AF_INET;
    in4.sin_port = htons(address.port());
    in4.sin_addr.s_addr = htonl(INADDR_ANY);
    fd = open_listener(*Address::from_native(reinterpret_cast<sockaddr*>(&in4), sizeof in4),
                       backlog);
  }
  if (!fd) return fd.error();
  TcpListener l;
  l.fd_.reset(*fd);
  return l;
}

namespace {

// One accept, optionally linked to a Context (cancel). The caller holds a NetOp.
Result<NetFd*> accept_one(NetFd* fd, const detail::NetCancel* cancel) {
  std::lock_guard lock(fd->read_lock);
  for (;;) {
    if (fd->closing()) return errc::closed;
    if (auto ec = fd->check_deadline(false)) return ec;
    if (cancel != nullptr) {
      if (auto ec = cancel->error()) return ec;
    }
    const int s = ::accept4(fd->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (s >= 0) {
      const int one = 1;
      ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      NetFd* conn = NetFd::open(s);
      if (conn == nullptr) return errno_code(errno);
      fd->pass(false);
      return conn;
    }
    const int err = errno;
    // A connection reset before we took it, or a signal: look for the next one (as Go does).
    if (err == ECONNABORTED || err == EINTR) continue;
    if (err != EAGAIN && err != EWOULDBLOCK) return errno_code(err);
    if (auto ec = fd->wait(false)) return ec;
  }
}

}  // namespace

Result<TcpStream> TcpListener::accept() {
  NetFd* fd = fd_.get();
  NetOp op(fd);
  if (!op.ok()) return errc::closed;
  auto conn = accept_one(fd, nullptr);
  if (!conn) return conn.error();
  return TcpStream(*conn);
}

Result<TcpStream> TcpListener::accept(const Context& ctx) {
  NetFd* fd = fd_.get();
  NetOp op(fd);
  if (!op.ok()) return errc::closed;
  detail::NetCancel cancel(fd->pd, false);
  detail::ContextLink link(ctx, cancel);
  if (link.error()) return link.error();
  auto conn = accept_one(fd, &cancel);
  if (!conn) return conn.error();
  return TcpStream(*conn);
}

std::error_code TcpListener::set_deadline(Clock::time_point deadline) noexcept {
  if (!fd_) return errc::closed;
  return fd_->set_deadline(true, false, deadline);
}

Result<Address> TcpListener::local_address() const {
  NetOp op(fd_.get());
  if (!op.ok()) return errc::closed;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_->fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return errno_code(errno);
  }
  return Address::from_native(reinterpret_cast<sockaddr*>(&ss), len);
}

std::error_code TcpListener::close() noexcept {
  if (!fd_) return errc::closed;
  return fd_->close();
}

bool TcpListener::is_open() const noexcept {
  return fd_ && !fd_->closing();
}

int TcpListener::native_handle() const noexcept {
  return is_open() ? fd_->fd : -1;
}

}  // namespace gopool::net
