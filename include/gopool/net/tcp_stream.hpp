// TcpStream: a TCP connection whose reads, writes and connect park the calling goroutine on the
// netpoller instead of blocking its OS thread (a foreign thread making the same calls blocks).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>

#include "gopool/export.hpp"
#include "gopool/net/address.hpp"
#include "gopool/net/deadline.hpp"
#include "gopool/net/result.hpp"

namespace gopool {
class Context;
}  // namespace gopool

namespace gopool::detail {
struct NetFd;
struct GOPOOL_API NetFdDelete {
  void operator()(NetFd* fd) const noexcept;
};
}  // namespace gopool::detail

namespace gopool::net {

class TcpListener;

// Shutdown: which direction shutdown() ends.
enum class Shutdown { read, write, both };

// TcpStream: one TCP connection, IPv4 or IPv6. Move-only; the destructor closes it. Usable from
// goroutines and foreign threads. One read and one write may run at the same time from
// different goroutines; further concurrent reads (or writes) queue behind the one in progress
// (a goroutine parks, a thread waits), so a write_all is never interleaved with another.
// close(), shutdown() and the deadline setters may be called from any goroutine or thread while
// others read or write. Destroying (or moving from) a TcpStream while another goroutine still
// uses it is undefined behaviour: close() it, let the users return, then destroy it.
//
// Waiting: every call that waits (connect, read, write, read_full, write_all) parks a calling
// goroutine on the netpoller, so its OS thread runs other goroutines meanwhile; called from a
// thread outside the runtime it blocks that thread. Every such wait ends with the data, the
// deadline (errc::timeout), close() on this side (errc::closed) or an error from the kernel.
// Goroutines cannot be preempted, so a goroutine whose reads (or writes) keep finding data (or
// room) without waiting yields once every 64 of them, letting other goroutines of its P run.
class GOPOOL_API TcpStream {
 public:
  // TcpStream: an empty stream (not connected); every operation on it returns errc::closed.
  TcpStream() noexcept;
  TcpStream(TcpStream&&) noexcept;
  TcpStream& operator=(TcpStream&&) noexcept;  // closes the stream this one held
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;
  // ~TcpStream: close(), ignoring its result.
  ~TcpStream();

  // connect: opens a connection to address ("127.0.0.1:8080", "[::1]:8080", "localhost:8080";
  // see Address::resolve, a host name is resolved inside gopool::blocking()), trying each
  // resolved address in turn, and waits until the handshake ends or `deadline` passes. The new
  // stream has TCP_NODELAY set (as Go's). Errors: errc::invalid_address, errc::unknown_host,
  // errc::timeout, and the kernel's (std::errc::connection_refused, network_unreachable, ...);
  // with several addresses, the first address's error. Throws std::bad_alloc.
  static Result<TcpStream> connect(std::string_view address,
                                   Clock::time_point deadline = kNoDeadline);

  // connect: as above, to one address. errc::invalid_address for an unspecified Address.
  static Result<TcpStream> connect(const Address& address,
                                   Clock::time_point deadline = kNoDeadline);

  // read: reads at least 1 and at most `size` bytes, waiting until some arrive. Returns the count
  // with a zero error; {0, errc::eof} once the peer has closed its side and everything was read;
  // {0, errc::timeout} if the read deadline has passed (checked before reading, as in Go, so an
  // expired deadline fails even when data is there); {0, errc::closed}; or a kernel error such as
  // std::errc::connection_reset. A size of 0 returns {0, {}} at once.
  IoResult read(void* data, std::size_t size);
  IoResult read(std::span<std::byte> buffer) { return read(buffer.data(), buffer.size()); }
  IoResult read(std::span<char> buffer) { return read(buffer.data(), buffer.size()); }

  // read_full: reads exactly `size` bytes (Go's io.ReadFull), waiting as long as needed. On
  // error, bytes says how many arrived: errc::eof if the peer closed before the first byte,
  // errc::unexpected_eof if it closed in the middle, or read()'s errors.
  IoResult read_full(void* data, std::size_t size);
  IoResult read_full(std::span<std::byte> buffer) {
    return read_full(buffer.data(), buffer.size());
  }
  IoResult read_full(std::span<char> buffer) { return read_full(buffer.data(), buffer.size()); }

  // write: writes at least 1 and at most `size` bytes, waiting while the send buffer is full.
  // Errors as read() (errc::timeout for the write deadline), plus std::errc::broken_pipe when the
  // peer is gone (never SIGPIPE). A size of 0 returns {0, {}} at once.
  IoResult write(const void* data, std::size_t size);
  IoResult write(std::span<const std::byte> data) { return write(data.data(), data.size()); }
  IoResult write(std::string_view data) { return write(data.data(), data.size()); }

  // write_all: writes all `size` bytes (what Go's Conn.Write does), waiting as needed; another
  // write on this stream waits until it is done. On error, bytes says how many were written.
  IoResult write_all(const void* data, std::size_t size);
  IoResult write_all(std::span<const std::byte> data) {
    return write_all(data.data(), data.size());
  }
  IoResult write_all(std::string_view data) { return write_all(data.data(), data.size()); }

  // read / read_full / write / write_all with a Context: as above, and a wait for the socket
  // also ends when ctx is done (cancelled, or its deadline passed), returning ctx.err()
  // (context_errc::canceled or deadline_exceeded) with the bytes moved so far; a ctx already
  // done fails at once without reading or writing. The stream's own deadlines still apply.
  // Waiting behind another read (or write) of the same stream is not cut short. Never throws.
  IoResult read(const Context& ctx, void* data, std::size_t size);
  IoResult read(const Context& ctx, std::span<std::byte> buffer) {
    return read(ctx, buffer.data(), buffer.size());
  }
  IoResult read(const Context& ctx, std::span<char> buffer) {
    return read(ctx, buffer.data(), buffer.size());
  }
  IoResult read_full(const Context& ctx, void* data, std::size_t size);
  IoResult write(const Context& ctx, const void* data, std::size_t size);
  IoResult write(const Context& ctx, std::string_view data) {
    return write(ctx, data.data(), data.size());
  }
  IoResult write_all(const Context& ctx, const void* data, std::size_t size);
  IoResult write_all(const Context& ctx, std::string_view data) {
    return write_all(ctx, data.data(), data.size());
  }

  // close: wakes every read and write waiting on the stream (they return errc::closed), waits
  // until they have left (briefly: a goroutine yields, a thread yields), then closes the socket;
  // the stream becomes empty. Returns errc::closed if it was already closed or empty. Never
  // throws.
  std::error_code close() noexcept;

  // shutdown: ends one or both directions of the connection (shutdown(2)) without closing the
  // socket: after Shutdown::write the peer reads errc::eof once it has read everything. Never
  // blocks. Errors: errc::closed, or the kernel's (std::errc::not_connected).
  std::error_code shutdown(Shutdown how) noexcept;

  // set_read_deadline: the point after which reads fail with errc::timeout; kNoDeadline (the
  // default) removes it. It applies to a read waiting now too (which then waits for the new
  // deadline) and to every later read until changed: after a timeout, set a later deadline to
  // read again. A deadline in the past makes reads fail at once. Never blocks. Errors:
  // errc::closed.
  std::error_code set_read_deadline(Clock::time_point deadline) noexcept;

  // set_write_deadline: as set_read_deadline, for write and write_all.
  std::error_code set_write_deadline(Clock::time_point deadline) noexcept;

  // set_deadline: both deadlines at once.
  std::error_code set_deadline(Clock::time_point deadline) noexcept;

  // set_no_delay: turns Nagle's algorithm off (true, the default of gopool and Go) or on. Errors:
  // errc::closed, or the kernel's.
  std::error_code set_no_delay(bool no_delay) noexcept;

  // local_address / remote_address: this end's and the peer's address. Errors: errc::closed,
  // or the kernel's (std::errc::not_connected once the peer has reset the connection).
  Result<Address> local_address() const;
  Result<Address> remote_address() const;

  // is_open: true until close() (or when it was moved from or default-constructed).
  bool is_open() const noexcept;

  // native_handle: the socket's fd (non-blocking, registered with the netpoller), or -1 when
  // empty. Do not close it; reading from it directly bypasses the deadlines.
  int native_handle() const noexcept;

 private:
  friend class TcpListener;
  explicit TcpStream(detail::NetFd* fd) noexcept;
  std::unique_ptr<detail::NetFd, detail::NetFdDelete> fd_;
};

}  // namespace gopool::net
