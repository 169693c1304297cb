// ContextWaiter: how a blocking call learns that a Context it waits under is done. The waiter
// links a node into the context; the first cancel of the context (or of an ancestor, or its
// deadline) calls the node's notify once. notify only arbitrates with the primitive's own wakers
// (one CAS or one lock) and wakes the waiter's WaitState if it won: the waiter still returns only
// when its own state says so.
#pragma once

#include <atomic>
#include <cstdint>
#include <system_error>

#include "gopool/export.hpp"

namespace gopool {
class Context;
}  // namespace gopool

namespace gopool::detail {

struct ContextWaiter {
  // Called at most once, with context_errc::canceled or deadline_exceeded, from whichever
  // goroutine or thread cancels (a timer callback included), after the context's locks are
  // released: it must not block and must not touch the Context.
  void (*notify)(ContextWaiter* self, std::error_code why) noexcept = nullptr;

  // The rest belongs to the context.
  enum Phase : std::uint8_t { kUnlinked, kLinked, kNotifying, kNotified };
  std::atomic<std::uint8_t> phase{kUnlinked};
  ContextWaiter* prev = nullptr;  // the context's list, under its lock
  ContextWaiter* next = nullptr;
  bool queued = false;
  ContextWaiter* chain = nullptr;  // a cancel's list of waiters to notify
};

// context_attach: links w (its notify set) into ctx so that ctx's cancellation calls notify.
// Returns ctx.err() and links nothing if ctx is already done; for background() (which is never
// done) links nothing and returns {}. Never blocks beyond a short lock; never throws.
GOPOOL_API std::error_code context_attach(const Context& ctx, ContextWaiter& w) noexcept;

// context_detach: unlinks w if it is still linked. Once it returns, notify is not running and
// will never run, so w (and what notify touches) may go away. If a cancel has taken w already,
// waits (yielding) until its notify has returned. Never blocks otherwise.
GOPOOL_API void context_detach(const Context& ctx, ContextWaiter& w) noexcept;

// ContextLink: attaches a ContextWaiter for a scope and detaches it at the scope's end.
class ContextLink {
 public:
  ContextLink(const Context& ctx, ContextWaiter& w) noexcept
      : ctx_(ctx), w_(w), err_(context_attach(ctx, w)) {}
  ContextLink(const ContextLink&) = delete;
  ContextLink& operator=(const ContextLink&) = delete;
  ~ContextLink() { context_detach(ctx_, w_); }

  // The context's error if it was already done when attached (then nothing was linked).
  const std::error_code& error() const noexcept { return err_; }

 private:
  const Context& ctx_;
  ContextWaiter& w_;
  std::error_code err_;
};

}  // namespace gopool::detail
