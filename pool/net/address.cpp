#include "gopool/net/address.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <charconv>
#include <cstring>
#include <memory>

#include "gopool/runtime.hpp"

namespace gopool::net {
namespace {

struct HostPort {
  std::string_view host;
  std::uint16_t port = 0;
  bool bracketed = false;
};

// split: "host:port" or "[host]:port" into its parts; false when malformed.
bool split(std::string_view text, HostPort& out) {
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    out.host = text.substr(1, close - 1);
    out.bracketed = true;
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    out.host = text.substr(0, colon);
    // An unbracketed host with a colon is an IPv6 literal without brackets: ambiguous.
    if (out.host.find(':') != std::string_view::npos) return false;
    if (out.host.find_first_of("[]") != std::string_view::npos) return false;
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) return false;
  out.port = static_cast<std::uint16_t>(value);
  return true;
}

// literal: the host as an IPv4 or IPv6 literal (an empty host is "::"); false otherwise.
bool literal(const HostPort& hp, Address& out) {
  std::string host(hp.host);
  sockaddr_storage ss{};
  if (host.empty()) host = "::";
  if (!hp.bracketed) {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&ss);
    if (inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
      in4->sin_family = AF_INET;
      in4->sin_port = htons(hp.port);
      out = *Address::from_native(reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in));
      return true;
    }
  }
  if (hp.bracketed || host == "::") {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(hp.port);
      out = *Address::from_native(reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in6));
      return true;
    }
  }
  return false;
}

// is_host_name: letters, digits, '-' and '.', as a DNS name (RFC 1123), not empty.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<Address> Address::parse(std::string_view text) {
  HostPort hp;
  Address a;
  if (!split(text, hp) || !literal(hp, a)) return errc::invalid_address;
  return a;
}

Result<std::vector<Address>> Address::resolve(std::string_view text) {
  HostPort hp;
  if (!split(text, hp)) return errc::invalid_address;
  Address a;
  if (literal(hp, a)) return std::vector<Address>{a};
  if (hp.bracketed || !is_host_name(hp.host)) return errc::invalid_address;
  const std::string host(hp.host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const int rc =
      gopool::blocking([&] { return getaddrinfo(host.c_str(), nullptr, &hints, &found); });
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, &freeaddrinfo);
  if (rc == EAI_MEMORY) throw std::bad_alloc();
  if (rc != 0) return errc::unknown_host;
  std::vector<Address> out;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    auto r = from_native(ai->ai_addr, ai->ai_addrlen);
    if (!r) continue;
    Address& addr = *r;
    if (addr.is_v4()) {
      reinterpret_cast<sockaddr_in*>(&addr.storage_)->sin_port = htons(hp.port);
    } else {
      reinterpret_cast<sockaddr_in6*>(&addr.storage_)->sin6_port = htons(hp.port);
    }
    bool seen = false;
    for (const Address& prev : out)
      seen = seen || prev == addr;
    if (!seen) out.push_back(addr);
  }
  if (out.empty()) return errc::unknown_host;
  return out;
}

Result<Address> Address::from_native(const sockaddr* addr, socklen_t length) {
  Address a;
  if (addr == nullptr) return errc::invalid_address;
  if (addr->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    std::memcpy(&a.storage_, addr, sizeof(sockaddr_in));
    a.size_ = sizeof(sockaddr_in);
    return a;
  }
  if (addr->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    std::memcpy(&a.storage_, addr, sizeof(sockaddr_in6));
    a.size_ = sizeof(sockaddr_in6);
    return a;
  }
  return errc::invalid_address;
}

std::uint16_t Address::port() const noexcept {
  if (is_v4()) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (is_v6()) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string Address::ip() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
  } else if (is_v6()) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
              sizeof buf);
  }
  return buf;
}

std::string Address::to_string() const {
  if (is_v4()) return ip() + ":" + std::to_string(port());
  if (is_v6()) return "[" + ip() + "]:" + std::to_string(port());
  return {};
}

bool operator==(const Address& a, const Address& b) noexcept {
  if (a.size_ != b.size_) return false;
  if (a.is_v4()) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(&a.storage_);
    const auto* y = reinterpret_cast<const sockaddr_in*>(&b.storage_);
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a.is_v6()) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(&a.storage_);
    const auto* y = reinterpret_cast<const sockaddr_in6*>(&b.storage_);
    return x->sin6_port == y->sin6_port &&
           std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0 &&
           x->sin6_scope_id == y->sin6_scope_id;
  }
  return true;
}

}  // namespace gopool::net
