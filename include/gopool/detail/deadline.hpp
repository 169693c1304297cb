// Deadlines, written once for every timed call of gopool: durations and time points beyond the
// clock's range saturate to "forever" (time_point::max()) instead of overflowing, and a
// duration <= 0 means "already expired". Every *_for(d) of every public header goes through
// deadline_in(d); every wait treats time_point::max() as no deadline at all.
#pragma once

#include <chrono>

namespace gopool::detail {

using DeadlineClock = std::chrono::steady_clock;

// kForever: the deadline of a wait with no time limit.
inline constexpr DeadlineClock::time_point kForever = DeadlineClock::time_point::max();

// to_clock_duration: d in clock ticks, rounded up, saturating at the clock duration's range
// (any representation, including floating point and hours::max()).
template <class Rep, class Period>
constexpr DeadlineClock::duration to_clock_duration(std::chrono::duration<Rep, Period> d) noexcept {
  using Tick = DeadlineClock::duration;
  using Wide = std::chrono::duration<long double, Tick::period>;
  const Wide wide(d);
  if (wide >= Wide(Tick::max())) {
    return Tick::max();
  }
  if (wide <= Wide(Tick::min())) {
    return Tick::min();
  }
  return std::chrono::ceil<Tick>(d);
}

// add_saturating: t + d, clamped to the clock's range (time_point::max() is "forever").
constexpr DeadlineClock::time_point add_saturating(DeadlineClock::time_point t,
                                                   DeadlineClock::duration d) noexcept {
  DeadlineClock::rep sum = 0;
  if (__builtin_add_overflow(t.time_since_epoch().count(), d.count(), &sum)) {
    return d.count() > 0 ? DeadlineClock::time_point::max() : DeadlineClock::time_point::min();
  }
  return DeadlineClock::time_point(DeadlineClock::duration(sum));
}

// deadline_in: now + d, saturating to kForever; d <= 0 gives now (already expired).
template <class Rep, class Period>
DeadlineClock::time_point deadline_in(std::chrono::duration<Rep, Period> d) noexcept {
  const DeadlineClock::time_point now = DeadlineClock::now();
  const DeadlineClock::duration c = to_clock_duration(d);
  return c <= DeadlineClock::duration::zero() ? now : add_saturating(now, c);
}

}  // namespace gopool::detail
