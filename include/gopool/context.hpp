// Context: cancellation and deadlines carried across goroutines, as Go's context package.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <system_error>
#include <type_traits>
#include <variant>

#include "gopool/chan.hpp"
#include "gopool/detail/context_waiter.hpp"
#include "gopool/detail/deadline.hpp"
#include "gopool/export.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

// context_errc: why a Context is done. Each also compares equal to the std::errc a C++ user
// would test for: canceled == std::errc::operation_canceled, deadline_exceeded ==
// std::errc::timed_out.
enum class context_errc {
  canceled = 1,       // "context canceled": cancel() on it or on an ancestor
  deadline_exceeded,  // "context deadline exceeded": its deadline (or an ancestor's) passed
};

// context_category: the std::error_category of context_errc; name() is "gopool.context".
GOPOOL_API const std::error_category& context_category() noexcept;

// make_error_code: wraps a context_errc (found by ADL).
inline std::error_code make_error_code(context_errc e) noexcept {
  return {static_cast<int>(e), context_category()};
}

namespace detail {
struct ContextState;
}  // namespace detail

// Context: a cheap copyable handle (like Chan) to a node in a tree of cancellation scopes. A
// Context is done once it is cancelled, its deadline passes, or its parent is done; then its
// done() channel is closed and err() says why. Usable from goroutines, threads and select.
// A default-constructed Context is background(): never done, no deadline.
class GOPOOL_API Context {
 public:
  // Context: the background context (as background()).
  Context() noexcept = default;

  // done: a channel closed when this context is done; use it as a select case
  // (`gopool::on_recv(ctx.done(), [] { ... })`) or block on recv(). For background() it is the
  // nil channel, whose select case never fires (Go's Background().Done() is nil too).
  Chan<std::monostate> done() const noexcept;

  // err: empty while the context is live; context_errc::canceled or
  // context_errc::deadline_exceeded once it is done. Never blocks.
  std::error_code err() const noexcept;

  // deadline: the time this context will be done by itself, if it (or an ancestor) has one.
  std::optional<Clock::time_point> deadline() const noexcept;

  // cancel: cancels this context and all its descendants (not its parent) with
  // context_errc::canceled, closing their done channels and stopping their timers.
  // Idempotent; cancelling background() does nothing. Never blocks (beyond a short lock).
  void cancel() const noexcept;

  // Two handles are equal when they refer to the same context.
  friend bool operator==(const Context& a, const Context& b) noexcept {
    return a.state_ == b.state_;
  }

 private:
  friend Context with_cancel(const Context& parent);
  friend std::error_code detail::context_attach(const Context& ctx,
                                                detail::ContextWaiter& w) noexcept;
  friend void detail::context_detach(const Context& ctx, detail::ContextWaiter& w) noexcept;
  friend Context with_deadline(const Context& parent, Clock::time_point t);
  explicit Context(std::shared_ptr<detail::ContextState> state) noexcept
      : state_(std::move(state)) {}
  std::shared_ptr<detail::ContextState> state_;
};

// background: the root context; never cancelled, no deadline.
inline Context background() noexcept {
  return Context();
}

// with_cancel: a child of parent that is done when cancel() is called on it or when parent is
// done (at once if parent already is). Dropping every handle to the child detaches it from
// the parent; nothing leaks if cancel() is never called. Throws std::bad_alloc.
GOPOOL_API Context with_cancel(const Context& parent);

// with_deadline: as with_cancel, and also done (deadline_exceeded) at t. If parent's deadline
// is earlier it is kept (t is ignored, as in Go); a t already past makes it done at once.
// Uses a runtime timer, no goroutine. Throws std::bad_alloc.
GOPOOL_API Context with_deadline(const Context& parent, Clock::time_point t);

// with_timeout: with_deadline(parent, now + d); d <= 0 gives a context that is already done.
template <class Rep, class Period>
Context with_timeout(const Context& parent, std::chrono::duration<Rep, Period> d) {
  return with_deadline(parent, detail::deadline_in(d));
}

// sleep_until: parks the calling goroutine (a thread sleeps) until t has passed or ctx is done,
// whichever comes first. Returns {} when t passed first, else ctx.err()
// (context_errc::canceled or deadline_exceeded); a ctx already done returns its error at once.
// time_point::max() waits for ctx alone. Never throws.
GOPOOL_API std::error_code sleep_until(const Context& ctx, Clock::time_point t) noexcept;

// sleep_for: sleep_until(ctx, now + d). A d <= 0 does not wait (it still reports a ctx that is
// done); a d beyond the clock's range waits for ctx alone. Never throws.
template <class Rep, class Period>
std::error_code sleep_for(const Context& ctx, std::chrono::duration<Rep, Period> d) noexcept {
  return sleep_until(ctx, detail::deadline_in(d));
}

}  // namespace gopool

template <>
struct std::is_error_code_enum<gopool::context_errc> : std::true_type {};
