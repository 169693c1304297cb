// Result<T> and IoResult: what gopool::net calls return: a value or an error code, and for
// reads and writes the number of bytes moved together with the error that stopped them.
#pragma once

#include <cstddef>
#include <optional>
#include <system_error>
#include <utility>

#include "gopool/net/errors.hpp"

namespace gopool::net {

// Result: either a T (success) or a non-zero std::error_code. Converts to true on success.
// value() throws std::system_error carrying the error when there is none.
template <class T>
class Result {
 public:
  // Result: a success holding value.
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design

  // Result: a failure. A default (zero) error code is not a failure; it is stored as
  // std::errc::invalid_argument so a Result never claims success without a value.
  Result(std::error_code error) noexcept  // NOLINT: implicit by design
      : error_(error ? error : std::make_error_code(std::errc::invalid_argument)) {}
  Result(errc error) noexcept : Result(make_error_code(error)) {}  // NOLINT: implicit by design

  // ok / operator bool: true when a value is held.
  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }

  // error: the error code; zero on success.
  const std::error_code& error() const noexcept { return error_; }

  // value: the value. Throws std::system_error(error()) when there is none.
  T& value() & {
    check();
    return *value_;
  }
  const T& value() const& {
    check();
    return *value_;
  }
  T&& value() && {
    check();
    return std::move(*value_);
  }

  // operator* / operator->: the value, unchecked (precondition: ok()).
  T& operator*() & noexcept { return *value_; }
  const T& operator*() const& noexcept { return *value_; }
  T&& operator*() && noexcept { return std::move(*value_); }
  T* operator->() noexcept { return &*value_; }
  const T* operator->() const noexcept { return &*value_; }

 private:
  void check() const {
    if (!value_) throw std::system_error(error_);
  }
  std::optional<T> value_;
  std::error_code error_;
};

// IoResult: the outcome of a read or write: how many bytes moved, and the error that ended the
// call (zero on success). Both can be set at once: write_all that wrote 100 bytes and then got
// a reset reports bytes = 100 and the reset. Converts to true when error is zero.
struct IoResult {
  std::size_t bytes = 0;
  std::error_code error;

  explicit operator bool() const noexcept { return !error; }
};

}  // namespace gopool::net
