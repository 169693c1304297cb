// gopool::errc: the recoverable errors of the pool (closed, overloaded, timed out, bad options),
// as std::error_code values of their own category, so they compare with `==` and carry a message.
#pragma once

#include <system_error>
#include <type_traits>

#include "gopool/export.hpp"

namespace gopool {

// errc: every recoverable pool error, one named value each (ants' Err* values plus a few more).
// Zero is never used: a default std::error_code means success.
enum class errc {
  // The pool was released: post/submit/invoke after release(), or while blocked when it happened.
  pool_closed = 1,
  // The pool is full and the caller may not wait: `nonblocking`, or `max_blocking_tasks` callers
  // already wait.
  pool_overload,
  // A deadline passed first: post_for(), release_timeout().
  timeout,
  // A negative expiry while purging is enabled.
  invalid_expiry,
  // `pre_alloc` with an unbounded capacity (capacity <= 0).
  invalid_pre_alloc_size,
  // A PoolWithFunc without a function.
  lack_pool_func,
  // A MultiPool index outside [0, size()).
  invalid_pool_index,
  // A MultiPool load-balancing strategy that is neither round_robin nor least_tasks.
  invalid_load_balancing_strategy,
  // A MultiPool of size <= 0.
  invalid_multi_pool_size,
  // tune() to a capacity <= 0.
  invalid_capacity,
  // tune() on a pool whose capacity cannot change (unbounded or pre_alloc).
  capacity_not_tunable,
  // A negative `max_blocking_tasks`.
  invalid_max_blocking_tasks,
  // A worker stack size outside [16 KiB, 1 GiB] (0 means the runtime default).
  invalid_stack_size,
  // An empty callable: a null function pointer or an empty std::function.
  null_task,
  // TaskGroup::set_limit() or set_name() while tasks of the group are active (Go's errgroup
  // panics: "modify limit while goroutines in the group are still active").
  group_active,
  // TaskGroup::set_limit(0): a group that could never start a task (Go's every Go would block
  // forever).
  invalid_group_limit,
};

// pool_category: the std::error_category of gopool::errc; name() is "gopool".
GOPOOL_API const std::error_category& pool_category() noexcept;

// make_error_code: wraps an errc in a std::error_code (found by ADL, so `ec == errc::timeout`
// and `std::error_code ec = errc::timeout;` work).
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), pool_category()};
}

}  // namespace gopool

template <>
struct std::is_error_code_enum<gopool::errc> : std::true_type {};
