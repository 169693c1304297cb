// Saturating time arithmetic for the sync primitives' timeouts, so that a huge timeout (e.g.
// std::chrono::hours::max()) means "practically never" instead of overflowing.
#pragma once

#include <chrono>

#include "gopool/runtime.hpp"

namespace gopool::detail {

// to_clock_duration: d in Clock ticks, rounded up, saturating at Clock::duration's range.
template <class Rep, class Period>
Clock::duration to_clock_duration(std::chrono::duration<Rep, Period> d) noexcept {
  using Wide = std::chrono::duration<long double, Clock::period>;
  const Wide wide(d);
  if (wide >= Wide(Clock::duration::max())) {
    return Clock::duration::max();
  }
  if (wide <= Wide(Clock::duration::min())) {
    return Clock::duration::min();
  }
  return std::chrono::ceil<Clock::duration>(d);
}

// add_saturating: t + d, clamped to Clock::time_point's range. d must be >= 0.
inline Clock::time_point add_saturating(Clock::time_point t, Clock::duration d) noexcept {
  if (d >= Clock::time_point::max() - t) {
    return Clock::time_point::max();
  }
  return t + d;
}

// deadline_in: now + d, saturating; d <= 0 gives now (already expired).
template <class Rep, class Period>
Clock::time_point deadline_in(std::chrono::duration<Rep, Period> d) noexcept {
  const Clock::time_point now = Clock::now();
  const Clock::duration c = to_clock_duration(d);
  return c <= Clock::duration::zero() ? now : add_saturating(now, c);
}

}  // namespace gopool::detail
