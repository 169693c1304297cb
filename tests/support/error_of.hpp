// system_error_of / future_error_of: the code of the exception f throws, for checks such as
// CHECK(system_error_of([&] { g.wait(); }) == errc::x). FAIL if f throws none.
#pragma once

#include <doctest/doctest.h>

#include <future>
#include <system_error>

namespace gopool::test {

template <class F>
std::error_code system_error_of(F&& f) {
  try {
    f();
  } catch (const std::system_error& e) {
    return e.code();
  }
  FAIL("no std::system_error thrown");
  return {};
}

template <class F>
std::future_errc future_error_of(F&& f) {
  try {
    f();
  } catch (const std::future_error& e) {
    return static_cast<std::future_errc>(e.code().value());
  }
  FAIL("no std::future_error thrown");
  return {};
}

}  // namespace gopool::test
