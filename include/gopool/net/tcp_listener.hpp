// TcpListener: a listening TCP socket whose accept() parks the calling goroutine on the
// netpoller until a connection arrives.
#pragma once

#include <memory>
#include <string_view>
#include <system_error>

#include "gopool/export.hpp"
#include "gopool/net/address.hpp"
#include "gopool/net/deadline.hpp"
#include "gopool/net/result.hpp"
#include "gopool/net/tcp_stream.hpp"

namespace gopool::net {

// TcpListener: move-only; the destructor closes it. Usable from goroutines and foreign threads;
// several goroutines may accept() at once (they take turns). close() may be called from any
// goroutine or thread while others wait in accept(). Destroying it while another goroutine still
// uses it is undefined behaviour.
class GOPOOL_API TcpListener {
 public:
  // kDefaultBacklog: the listen(2) backlog when none is given (the kernel caps it at
  // net.core.somaxconn).
  static constexpr int kDefaultBacklog = 4096;

  // TcpListener: an empty listener; accept() on it returns errc::closed.
  TcpListener() noexcept;
  TcpListener(TcpListener&&) noexcept;
  TcpListener& operator=(TcpListener&&) noexcept;  // closes the listener this one held
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  // ~TcpListener: close(), ignoring its result.
  ~TcpListener();

  // listen: binds to address and listens ("127.0.0.1:0", "[::1]:8080", "localhost:8080",
  // ":8080" for every interface, IPv6 and IPv4). Port 0 picks a free port: local_address()
  // tells which. SO_REUSEADDR is set (as Go does), so a restarted server can bind at once. A
  // host name is resolved inside gopool::blocking(), and the first address is used. A backlog
  // <= 0 means kDefaultBacklog. Never waits otherwise. Errors: errc::invalid_address,
  // errc::unknown_host, and the kernel's (std::errc::address_in_use,
  // address_not_available, permission_denied). Throws std::bad_alloc.
  static Result<TcpListener> listen(std::string_view address, int backlog = kDefaultBacklog);

  // listen: as above, for one address. errc::invalid_address for an unspecified Address.
  static Result<TcpListener> listen(const Address& address, int backlog = kDefaultBacklog);

  // accept: waits for the next connection (a goroutine parks, a thread blocks) and returns it,
  // with TCP_NODELAY set. Connections aborted before they were accepted are skipped. Errors:
  // errc::timeout once the deadline (set_deadline) has passed, errc::closed when the listener is
  // closed (also while waiting), and the kernel's (std::errc::too_many_files_open: the caller
  // should wait a little and retry, as Go's http server does). Throws std::bad_alloc.
  Result<TcpStream> accept();

  // accept: as above, and a wait also ends when ctx is done, with ctx.err()
  // (context_errc::canceled or deadline_exceeded); a ctx already done fails at once. Waiting
  // behind another accept() is not cut short. Throws std::bad_alloc.
  Result<TcpStream> accept(const Context& ctx);

  // set_deadline: the point after which accept() fails with errc::timeout; kNoDeadline removes
  // it. Applies to an accept() waiting now. Never blocks. Errors: errc::closed.
  std::error_code set_deadline(Clock::time_point deadline) noexcept;

  // local_address: the bound address, with the chosen port when listening on port 0. Errors:
  // errc::closed.
  Result<Address> local_address() const;

  // close: stops listening: waiting accept() calls return errc::closed, and connections not yet
  // accepted are reset. Waits briefly for the accept() calls to leave (see TcpStream::close).
  // Returns errc::closed if already closed or empty. Never throws.
  std::error_code close() noexcept;

  // is_open: true until close().
  bool is_open() const noexcept;

  // native_handle: the listening fd, or -1 when empty. Do not close it.
  int native_handle() const noexcept;

 private:
  std::unique_ptr<detail::NetFd, detail::NetFdDelete> fd_;
};

}  // namespace gopool::net
