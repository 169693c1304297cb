// gopool::net::errc: the errors of gopool's sockets that are not the operating system's own
// (timeout, closed, end of stream, bad address), as std::error_code values of their own category.
// Errors the kernel reports (connection refused, reset, broken pipe, address in use, too many
// open files...) are passed on as std::system_category() codes of their errno, so they compare
// equal to the matching std::errc value: `ec == std::errc::connection_refused`.
#pragma once

#include <system_error>
#include <type_traits>

#include "gopool/export.hpp"

namespace gopool::net {

// errc: one named value per condition. Zero is never used: a default std::error_code is success.
enum class errc {
  // A deadline (set_read_deadline, set_write_deadline, set_deadline, the connect deadline, a
  // wait_readable deadline) passed before the operation could finish, as Go's
  // os.ErrDeadlineExceeded. Compares equal to std::errc::timed_out.
  timeout = 1,
  // The socket was closed by close() on this side (also while the operation waited), or the
  // object is empty (default-constructed or moved from), as Go's net.ErrClosed. Compares equal
  // to std::errc::bad_file_descriptor.
  closed,
  // read: the peer has closed its sending side and every byte has been read (Go's io.EOF).
  eof,
  // read_full: the peer closed its sending side before the buffer was full (Go's
  // io.ErrUnexpectedEOF); the result's byte count says how much arrived.
  unexpected_eof,
  // The address is not "host:port" with a literal IPv4 host, a bracketed IPv6 host, a host name
  // or an empty host, or the port is not a number in [0, 65535]. Compares equal to
  // std::errc::invalid_argument.
  invalid_address,
  // A host name did not resolve to any IPv4 or IPv6 address.
  unknown_host,
  // wait_readable / wait_writable: another goroutine or thread already waits for the same fd in
  // the same direction. Compares equal to std::errc::device_or_resource_busy.
  busy,
};

// net_category: the std::error_category of net::errc; name() is "gopool.net".
GOPOOL_API const std::error_category& net_category() noexcept;

// make_error_code: wraps an errc in a std::error_code (found by ADL, so `ec == errc::timeout`
// and `std::error_code ec = errc::closed;` work).
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), net_category()};
}

}  // namespace gopool::net

template <>
struct std::is_error_code_enum<gopool::net::errc> : std::true_type {};
