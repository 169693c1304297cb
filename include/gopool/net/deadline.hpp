// Deadlines of socket operations: absolute points on gopool::Clock, as Go's SetDeadline.
#pragma once

#include "gopool/detail/deadline.hpp"
#include "gopool/runtime.hpp"

namespace gopool::net {

// kNoDeadline: "wait as long as it takes"; the default of every deadline.
inline constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

// deadline_in: Clock::now() + d, saturating at kNoDeadline. A d <= 0 gives a deadline that has
// already passed: socket operations given it fail with errc::timeout at once.
template <class Rep, class Period>
Clock::time_point deadline_in(std::chrono::duration<Rep, Period> d) {
  return detail::deadline_in(d);
}

}  // namespace gopool::net
