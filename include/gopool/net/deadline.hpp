// Deadlines of socket operations: absolute points on gopool::Clock, as Go's SetDeadline.
#pragma once

#include "gopool/runtime.hpp"

namespace gopool::net {

// kNoDeadline: "wait as long as it takes"; the default of every deadline.
inline constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

// deadline_in: Clock::now() + d, saturating at kNoDeadline. A d <= 0 gives a deadline that has
// already passed: socket operations given it fail with errc::timeout at once.
template <class Rep, class Period>
Clock::time_point deadline_in(std::chrono::duration<Rep, Period> d) {
  const auto now = Clock::now();
  const auto step = std::chrono::ceil<Clock::duration>(d);
  if (step > Clock::duration::zero() && step >= kNoDeadline - now) return kNoDeadline;
  return now + step;
}

}  // namespace gopool::net
