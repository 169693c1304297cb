// sleep_until(ctx, t): a sleep that a Context's cancellation cuts short.
#include <atomic>

#include "gopool/context.hpp"
#include "gopool/detail/context_waiter.hpp"
#include "gopool/detail/wait_state.hpp"

namespace gopool {
namespace {

using detail::WaitState;

// The sleeper's node: the clock and the context race for `claimed`; only the winner may end
// the wait, so the state is woken at most once.
struct Sleeper : detail::ContextWaiter {
  static constexpr WaitState::Result kCanceled = WaitState::kFirstResult;

  Sleeper() noexcept { notify = &on_cancel; }

  static void on_cancel(ContextWaiter* self, std::error_code /*why*/) noexcept {
    auto* s = static_cast<Sleeper*>(self);
    if (!s->claimed.exchange(true, std::memory_order_acq_rel)) {
      s->ws.wake(kCanceled);
    }
  }

  WaitState ws;
  std::atomic<bool> claimed{false};
};

}  // namespace

std::error_code sleep_until(const Context& ctx, Clock::time_point t) noexcept {
  if (std::error_code done = ctx.err()) {
    return done;
  }
  if (t <= Clock::now()) {
    return {};
  }
  Sleeper s;
  detail::ContextLink link(ctx, s);
  if (link.error()) {
    return link.error();
  }
  if (s.ws.wait_until(t, detail::WaitReason::sleep) == WaitState::kPending) {
    if (!s.claimed.exchange(true, std::memory_order_acq_rel)) {
      return {};  // the clock won: the context can no longer wake us
    }
    (void)s.ws.wait(detail::WaitReason::sleep);  // the cancel's wake-up is on its way
  }
  return ctx.err();
}

}  // namespace gopool
