#include "gopool/net/errors.hpp"

#include <string>

namespace gopool::net {
namespace {

class NetCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gopool.net"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::timeout:
        return "i/o timeout: deadline exceeded";
      case errc::closed:
        return "use of closed network connection";
      case errc::eof:
        return "end of stream";
      case errc::unexpected_eof:
        return "unexpected end of stream";
      case errc::invalid_address:
        return "invalid address: expected host:port";
      case errc::unknown_host:
        return "no such host";
      case errc::busy:
        return "another waiter already waits on this fd in the same direction";
    }
    return "unknown gopool.net error " + std::to_string(value);
  }

  std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<errc>(value)) {
      case errc::timeout:
        return std::errc::timed_out;
      case errc::closed:
        return std::errc::bad_file_descriptor;
      case errc::invalid_address:
        return std::errc::invalid_argument;
      case errc::busy:
        return std::errc::device_or_resource_busy;
      default:
        return {value, *this};
    }
  }
};

}  // namespace

const std::error_category& net_category() noexcept {
  static const NetCategory category;
  return category;
}

}  // namespace gopool::net
