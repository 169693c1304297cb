// Timers as channels: after(d) fires once, Ticker fires every period (Go's time.After and
// time.Ticker). Both run on the runtime's timer heap; no goroutine sleeps on their behalf.
#pragma once

#include <chrono>
#include <memory>

#include "gopool/chan.hpp"
#include "gopool/detail/deadline.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

namespace detail {
Chan<Clock::time_point> make_after(Clock::duration d);
struct TickerState;
}  // namespace detail

// after: a channel (capacity 1) that receives the time once d has passed; d <= 0 fires at once.
// Never blocks. The timer is stopped as soon as the last handle to the channel goes away, so
// an abandoned after() costs nothing (unlike Go before 1.23). Throws std::bad_alloc.
template <class Rep, class Period>
Chan<Clock::time_point> after(std::chrono::duration<Rep, Period> d) {
  return detail::make_after(d <= d.zero() ? Clock::duration::zero() : detail::to_clock_duration(d));
}

// Ticker: delivers the time on chan() every period until stopped; its destructor stops it (an
// unstopped ticker is one of seed 003's leaks — here it cannot outlive its owner). The channel
// has capacity 1: ticks a slow receiver misses are dropped, as in Go. Move-only; a moved-from
// Ticker may only be destroyed or assigned to.
class Ticker {
 public:
  // Ticker: starts ticking; the first tick comes one period from now. Throws
  // std::invalid_argument for a period <= 0 (Go panics), std::bad_alloc.
  template <class Rep, class Period>
  explicit Ticker(std::chrono::duration<Rep, Period> period)
      : Ticker(detail::to_clock_duration(period), 0) {}
  Ticker(Ticker&&) noexcept;
  Ticker& operator=(Ticker&&) noexcept;
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;
  // Stops the ticker (see stop()).
  ~Ticker();

  // chan: the channel the ticks arrive on (Go's ticker.C); it is never closed.
  const Chan<Clock::time_point>& chan() const noexcept;

  // stop: no tick is sent after stop() returns (one already buffered stays). Idempotent; never
  // throws. May wait for a tick being delivered at that instant (a few instructions).
  void stop() noexcept;

  // reset: stops, then restarts with a new period, the next tick one period from now. Throws
  // std::invalid_argument for a period <= 0 (the ticker is then left as it was).
  template <class Rep, class Period>
  void reset(std::chrono::duration<Rep, Period> period) {
    reset_to(detail::to_clock_duration(period));
  }

 private:
  Ticker(Clock::duration period, int);
  void reset_to(Clock::duration period);
  std::unique_ptr<detail::TickerState> state_;
};

}  // namespace gopool
