// Address: an IPv4 or IPv6 socket address (ip and port), parsed from and printed as Go's
// "host:port" text ("127.0.0.1:8080", "[::1]:8080").
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gopool/export.hpp"
#include "gopool/net/result.hpp"

namespace gopool::net {

// Address: a value type holding a sockaddr_in or sockaddr_in6. A default-constructed Address is
// unspecified (is_v4() and is_v6() both false; to_string() is "").
class GOPOOL_API Address {
 public:
  Address() noexcept = default;

  // parse: reads "ip:port" without resolving anything: a literal IPv4 ip ("127.0.0.1:80"), a
  // bracketed IPv6 ip ("[::1]:80", no zone), or an empty ip (":80", the IPv6 wildcard "::",
  // which listen() makes dual-stack and connect() reaches this host with). Port 0 means "any"
  // for listen(). Never blocks. Errors: errc::invalid_address for anything else (a host name,
  // a missing or non-numeric port, a port above 65535, stray characters).
  static Result<Address> parse(std::string_view text);

  // resolve: as parse(), but the host may also be a name ("localhost:8080"), looked up with
  // getaddrinfo (/etc/hosts, then DNS as the system is configured) inside gopool::blocking(),
  // so the caller's P serves other goroutines meanwhile (a goroutine's thread waits, a thread
  // waits). Returns every address found, IPv4 and IPv6, in the resolver's order. Errors:
  // errc::invalid_address for a malformed text, errc::unknown_host when the name has no
  // address. Throws std::bad_alloc.
  static Result<std::vector<Address>> resolve(std::string_view text);

  // from_native: copies a sockaddr_in or sockaddr_in6 (as accept() or getsockname() fill it).
  // Errors: errc::invalid_address for another family or a too-short length.
  static Result<Address> from_native(const sockaddr* addr, socklen_t length);

  // is_v4 / is_v6: the family.
  bool is_v4() const noexcept { return family() == AF_INET; }
  bool is_v6() const noexcept { return family() == AF_INET6; }

  // port: the port in host byte order; 0 when unspecified.
  std::uint16_t port() const noexcept;

  // ip: the ip as text without brackets ("127.0.0.1", "::1"); "" when unspecified.
  std::string ip() const;

  // to_string: "ip:port", with brackets around an IPv6 ip ("[::1]:8080"); parse() reads it back.
  std::string to_string() const;

  // native / native_size: the sockaddr for bind()/connect() and its length (0 when unspecified).
  const sockaddr* native() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t native_size() const noexcept { return size_; }

  // family: AF_INET, AF_INET6, or AF_UNSPEC when unspecified.
  int family() const noexcept { return size_ == 0 ? AF_UNSPEC : storage_.ss_family; }

  friend GOPOOL_API bool operator==(const Address& a, const Address& b) noexcept;

 private:
  sockaddr_storage storage_{};
  socklen_t size_ = 0;
};

}  // namespace gopool::net
