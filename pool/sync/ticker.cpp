#include "gopool/ticker.hpp"

#include <atomic>
#include <stdexcept>
#include <utility>

#include "gopool/detail/deadline.hpp"
#include "gopool/detail/timer.hpp"

namespace gopool::detail {
namespace {

using TimeChan = ChanState<Clock::time_point>;

// Delivers t on the channel if there is room (a waiting receiver or an empty buffer); a tick
// nobody has room for is dropped. Called from timer callbacks: never blocks, and touches no
// handle reference count (so the channel can never be destroyed from inside its own timer).
void deliver(TimeChan* ch, Clock::time_point t) noexcept {
  ChanWaiter* wake = nullptr;
  ch->lock();
  (void)ch->send_locked(t, wake);
  ch->unlock();
  if (wake != nullptr) {
    wake_waiter(wake);
  }
}

// AfterState: the channel of after(), owning its one-shot timer. Destroying it (when the last
// handle goes) stops the timer, waiting for a callback in flight.
class AfterState final : public TimeChan {
 public:
  AfterState() : TimeChan(1, &destroy) {}
  void arm(Clock::time_point deadline) {
    timer_.start(deadline, [this] { deliver(this, Clock::now()); });
  }

 private:
  static void destroy(ChanCore* core) noexcept { delete static_cast<AfterState*>(core); }
  Timer timer_;  // destroyed (stopped) before the channel state
};

}  // namespace

Chan<Clock::time_point> make_after(Clock::duration d) {
  if (d <= Clock::duration::zero()) {
    Chan<Clock::time_point> ch(1);
    (void)ch.try_send(Clock::now());
    return ch;
  }
  auto* state = new AfterState();
  Chan<Clock::time_point> ch = ChanAccess::adopt<Clock::time_point>(state);
  state->arm(add_saturating(Clock::now(), d));
  return ch;
}

// TickerState: the channel, the self-re-arming timer and its period.
struct TickerState {
  explicit TickerState(Clock::duration p) : ch(1), period(p) {}

  void start() {
    stopped.store(false, std::memory_order_release);
    next = add_saturating(Clock::now(), period);
    timer.start(next, [this] { tick(); });
  }

  // Timer callback: deliver, then re-arm for the next period unless stopped.
  void tick() noexcept {
    const Clock::time_point now = Clock::now();
    deliver(ChanAccess::state(ch), now);
    if (stopped.load(std::memory_order_acquire)) {
      return;
    }
    next = add_saturating(next, period);
    if (next <= now) {
      next = add_saturating(now, period);  // fell behind: skip the missed ticks, as Go does
    }
    try {
      timer.start(next, [this] { tick(); });
    } catch (...) {
      // Only std::bad_alloc is possible here; the ticker then stops ticking.
    }
  }

  void stop() noexcept {
    stopped.store(true, std::memory_order_release);
    // A callback in flight may re-arm once before it sees `stopped`: stop until the timer is
    // neither armed nor running (stop() returning false has waited for a running callback).
    for (;;) {
      if (!timer.stop() && !timer.armed()) {
        break;
      }
    }
  }

  Chan<Clock::time_point> ch;
  Clock::duration period;
  Clock::time_point next{};  // touched only by start() and the callback, never concurrently
  std::atomic<bool> stopped{true};
  Timer timer;
};

}  // namespace gopool::detail

namespace gopool {

Ticker::Ticker(Clock::duration period, int) {
  if (period <= Clock::duration::zero()) {
    throw std::invalid_argument("gopool: non-positive interval for Ticker");
  }
  state_ = std::make_unique<detail::TickerState>(period);
  state_->start();
}

Ticker::Ticker(Ticker&&) noexcept = default;

Ticker& Ticker::operator=(Ticker&& other) noexcept {
  if (this != &other) {
    stop();
    state_ = std::move(other.state_);
  }
  return *this;
}

Ticker::~Ticker() {
  stop();
}

const Chan<Clock::time_point>& Ticker::chan() const noexcept {
  return state_->ch;
}

void Ticker::stop() noexcept {
  if (state_ != nullptr) {
    state_->stop();
  }
}

void Ticker::reset_to(Clock::duration period) {
  if (period <= Clock::duration::zero()) {
    throw std::invalid_argument("gopool: non-positive interval for Ticker::reset");
  }
  state_->stop();
  state_->period = period;
  state_->start();
}

}  // namespace gopool
