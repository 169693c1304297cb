// gopool::errc and its error category.
#include <doctest/doctest.h>

#include <gopool/errors.hpp>
#include <ostream>
#include <string>
#include <system_error>

using gopool::errc;

TEST_CASE("errc values are std::error_codes of the gopool category") {
  const std::error_code ec = errc::pool_overload;
  CHECK(ec);
  CHECK(ec == errc::pool_overload);
  CHECK(ec != errc::pool_closed);
  CHECK(ec.category() == gopool::pool_category());
  CHECK(std::string(ec.category().name()) == "gopool");
  CHECK(ec.value() == static_cast<int>(errc::pool_overload));
}

TEST_CASE("every errc has its own clear message") {
  const errc all[] = {errc::pool_closed,
                      errc::pool_overload,
                      errc::timeout,
                      errc::invalid_expiry,
                      errc::invalid_pre_alloc_size,
                      errc::lack_pool_func,
                      errc::invalid_pool_index,
                      errc::invalid_load_balancing_strategy,
                      errc::invalid_multi_pool_size,
                      errc::invalid_capacity,
                      errc::capacity_not_tunable,
                      errc::invalid_max_blocking_tasks,
                      errc::invalid_stack_size,
                      errc::null_task,
                      errc::group_active,
                      errc::invalid_group_limit};
  for (errc a : all) {
    const std::string message = make_error_code(a).message();
    CHECK(!message.empty());
    CHECK(message.find("unknown") == std::string::npos);
    for (errc b : all) {
      if (a != b) {
        CHECK(message != make_error_code(b).message());
      }
    }
  }
  CHECK(make_error_code(errc::pool_closed).message() == "this pool has been closed");
  CHECK(make_error_code(errc::timeout).message() == "operation timed out");
  CHECK(std::error_code(999, gopool::pool_category()).message().find("999") != std::string::npos);
}

TEST_CASE("a std::system_error carries the code and its message") {
  try {
    throw std::system_error(errc::invalid_expiry);
  } catch (const std::system_error& e) {
    CHECK(e.code() == errc::invalid_expiry);
    CHECK(std::string(e.what()).find("invalid expiry") != std::string::npos);
  }
}
