// Future<T> / Promise<T>: a one-shot value (or exception) handed from one goroutine or thread to
// another, and async(f, args...) = go + future. Waiting parks a goroutine or blocks a thread;
// then() chains work onto a future without anyone waiting.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <source_location>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "gopool/detail/context_waiter.hpp"
#include "gopool/detail/deadline.hpp"
#include "gopool/detail/null_callable.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/errors.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

template <class T>
class Future;
template <class T>
class Promise;

namespace detail {

// FutureContinuation: what runs when a future's result arrives, instead of a waiter: then()'s
// hand-off to a goroutine, a combinator's bookkeeping. fire() is called exactly once, by
// whoever makes the future ready (inside Promise::set_*, so it must not block) or at once by
// FutureCore::on_ready if the result is already there. It owns the future's reference.
struct FutureContinuation {
  void (*fire)(FutureContinuation* self) noexcept = nullptr;
};

// FutureCore: the untyped half of a future's shared state: readiness, the single waiter (or
// the continuation), the exception and the reference count. One allocation holds it and the
// value.
class FutureCore {
 public:
  FutureCore(const FutureCore&) = delete;
  FutureCore& operator=(const FutureCore&) = delete;

  // True once a value or an exception is stored.
  bool ready() const noexcept { return state_.load(std::memory_order_acquire) == kReady; }

  // Publishes the stored result and wakes the waiter or fires the continuation, if any. Called
  // once. A context-aware waiter that withdrew first (see wait(ctx)) left kPending behind.
  void mark_ready() noexcept {
    const std::uintptr_t old = state_.exchange(kReady, std::memory_order_acq_rel);
    if ((old & kContinuationTag) != 0) {
      // NOLINTNEXTLINE(performance-no-int-to-ptr): the state word is a tagged pointer
      auto* c = reinterpret_cast<FutureContinuation*>(old & ~kContinuationTag);
      c->fire(c);
    } else if (old != kPending) {
      reinterpret_cast<WaitState*>(old)->wake(kWoken);  // NOLINT(performance-no-int-to-ptr)
    }
  }

  // on_ready: hands the future's reference to c, whose fire() runs once the result is there:
  // in mark_ready(), or here and now if it already is. Never blocks. Only for the one owner of
  // the future, instead of any further wait.
  void on_ready(FutureContinuation* c) noexcept {
    static_assert(alignof(FutureContinuation) > kContinuationTag);
    std::uintptr_t expected = kPending;
    if (!state_.compare_exchange_strong(expected,
                                        reinterpret_cast<std::uintptr_t>(c) | kContinuationTag,
                                        std::memory_order_acq_rel, std::memory_order_acquire)) {
      c->fire(c);  // already ready (the owner is not waiting, so nothing else can be there)
    }
  }

  // Blocks until ready (a goroutine parks, a thread waits).
  void wait() noexcept { (void)wait_until(kForever); }

  // Blocks until ready or deadline (time_point::max(): no limit); true if ready.
  bool wait_until(std::chrono::steady_clock::time_point deadline) noexcept {
    if (ready()) {
      return true;
    }
    if (deadline <= std::chrono::steady_clock::now()) {
      return false;
    }
    WaitState me;
    const auto mine = reinterpret_cast<std::uintptr_t>(&me);
    std::uintptr_t expected = kPending;
    if (!state_.compare_exchange_strong(expected, mine, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
      return true;  // became ready meanwhile (there is only ever one waiter)
    }
    if (me.wait_until(deadline, WaitReason::future) != WaitState::kPending) {
      return true;
    }
    if (withdraw(&me)) {
      return false;  // timed out
    }
    (void)me.wait(WaitReason::future);
    return true;
  }

  // Blocks until ready or ctx is done (a goroutine parks, a thread waits). {} when ready
  // (readiness wins when both hold), else ctx.err(); the future then stays as it was.
  std::error_code wait(const Context& ctx) noexcept {
    if (ready()) {
      return {};
    }
    // The setter (mark_ready's exchange) and the context (notify's CAS back to kPending) race
    // for `me` in state_; only the winner wakes it, so it is woken exactly once.
    struct CtxWaiter : ContextWaiter {
      WaitState ws;
      FutureCore* core = nullptr;
      std::error_code why;
      static void on_cancel(ContextWaiter* self, std::error_code why) noexcept {
        auto* w = static_cast<CtxWaiter*>(self);
        if (w->core->withdraw(&w->ws)) {
          w->why = why;
          w->ws.wake(kCanceled);
        }
      }
    } me;
    me.notify = &CtxWaiter::on_cancel;
    me.core = this;
    const auto mine = reinterpret_cast<std::uintptr_t>(&me.ws);
    std::uintptr_t expected = kPending;
    // Publish `me` before linking into ctx, so that a notify always finds it.
    if (!state_.compare_exchange_strong(expected, mine, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
      return {};  // became ready meanwhile
    }
    ContextLink link(ctx, me);  // declared after `me`: detached before `me` goes away
    if (link.error()) {
      if (withdraw(&me.ws)) {  // ctx was done already
        return link.error();
      }
    }
    if (me.ws.wait(WaitReason::future) == kCanceled) {
      return me.why;
    }
    return {};
  }

  // withdraw: takes the waiter `ws` back out of the state; false if the setter took it first
  // (its wake-up is then on the way, and the waiter must wait for it).
  bool withdraw(WaitState* ws) noexcept {
    std::uintptr_t expected = reinterpret_cast<std::uintptr_t>(ws);
    return state_.compare_exchange_strong(expected, kPending, std::memory_order_acq_rel,
                                          std::memory_order_acquire);
  }

  // Drops one of the (at most two) references; the last one frees the state.
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      destroy_(this);
    }
  }

  // The stored exception, or null.
  const std::exception_ptr& error() const noexcept { return error_; }

  // Moves the stored exception out (for the one get()).
  std::exception_ptr take_error() noexcept { return std::move(error_); }

  // Stores an exception (before mark_ready()).
  void store_error(std::exception_ptr e) noexcept { error_ = std::move(e); }

 protected:
  explicit FutureCore(void (*destroy)(FutureCore*)) noexcept : destroy_(destroy) {}
  ~FutureCore() = default;

 private:
  static constexpr std::uintptr_t kPending = 0;
  static constexpr std::uintptr_t kReady = 1;
  static constexpr std::uintptr_t kContinuationTag = 2;
  static constexpr WaitState::Result kWoken = WaitState::kFirstResult;
  static constexpr WaitState::Result kCanceled = WaitState::kFirstResult + 1;
  static_assert(alignof(WaitState) > kContinuationTag);

  // kPending, kReady, the waiting WaitState* (pending with a waiter), or a FutureContinuation*
  // tagged with kContinuationTag (pending, and then() or a combinator took the future).
  std::atomic<std::uintptr_t> state_{kPending};
  std::atomic<std::uint32_t> refs_{2};
  void (*destroy_)(FutureCore*);
  std::exception_ptr error_;
};

// FutureState<T>: FutureCore plus room for the value (a pointer for references, nothing for
// void).
template <class T>
class FutureState final : public FutureCore {
 public:
  using Stored = std::conditional_t<std::is_reference_v<T>, std::remove_reference_t<T>*, T>;

  FutureState() noexcept : FutureCore(&destroy) {}

  template <class... A>
  void store_value(A&&... a) {
    if constexpr (std::is_reference_v<T>) {
      value_.emplace(std::addressof(a)...);
    } else {
      value_.emplace(std::forward<A>(a)...);
    }
  }

  T take_value() {
    if constexpr (std::is_reference_v<T>) {
      return static_cast<T>(**value_);
    } else {
      return std::move(*value_);
    }
  }

 private:
  static void destroy(FutureCore* core) noexcept { delete static_cast<FutureState*>(core); }
  std::optional<Stored> value_;
};

template <>
class FutureState<void> final : public FutureCore {
 public:
  FutureState() noexcept : FutureCore(&destroy) {}
  void store_value() noexcept {}
  void take_value() noexcept {}

 private:
  static void destroy(FutureCore* core) noexcept { delete static_cast<FutureState*>(core); }
};

[[noreturn]] inline void throw_future_error(std::future_errc code) {
  throw std::future_error(code);
}

// ThenInvocable: whether then() accepts F: F(T) (F(T&) for a reference T), F() for void.
template <class F, class T>
struct ThenInvocable : std::bool_constant<std::is_invocable_v<F, T>> {};
template <class F>
struct ThenInvocable<F, void> : std::bool_constant<std::is_invocable_v<F>> {};

// ThenResult: what then(f) makes a future of: f(T) (f(T&) for a reference T), f() for void.
// Without a `type` when f cannot be called so, so that then() drops out of overload resolution
// (clang forms the return type before it checks the constraint).
template <class T, class F>
struct ThenResultOf : std::invoke_result<F, T> {};
template <class F>
struct ThenResultOf<void, F> : std::invoke_result<F> {};
template <class T, class F>
using ThenResult = typename ThenResultOf<T, std::decay_t<F>>::type;

template <class T, class Fn>
class ThenState;

// FutureAccess: how the combinators (when_all, when_any) take the shared state out of a future.
struct FutureAccess {
  // take: the state of f, which is left invalid; the caller owns its reference.
  template <class T>
  static FutureState<T>* take(Future<T>& f) noexcept {
    return std::exchange(f.state_, nullptr);
  }
};

}  // namespace detail

// Future<T>: the receiving end of a one-shot result (T may be void or a reference). Move-only.
// get() (or then(), or a combinator) may consume it once; afterwards (and on a
// default-constructed or moved-from future) valid() is false. Destroying a future that is not
// ready does not block: the result is discarded when it arrives. One owner at a time: two
// goroutines must not use the same Future at once (as std::future).
template <class T>
class Future {
 public:
  // Future: an empty future (valid() == false).
  Future() noexcept = default;
  Future(Future&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  Future& operator=(Future&& other) noexcept {
    if (this != &other) {
      reset();
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  Future(const Future&) = delete;
  Future& operator=(const Future&) = delete;
  ~Future() { reset(); }

  // valid: true while this future refers to a result that get() has not consumed.
  bool valid() const noexcept { return state_ != nullptr; }

  // ready: true when the value or exception is there (get() would not block). Never blocks;
  // false for an invalid future.
  bool ready() const noexcept { return state_ != nullptr && state_->ready(); }

  // wait: blocks until ready (a goroutine parks, a thread waits). Throws std::future_error
  // (no_state) if !valid().
  void wait() const {
    check();
    state_->wait();
  }

  // wait_for: blocks until ready or d has passed; true if ready. d <= 0 only polls. Throws
  // std::future_error (no_state) if !valid().
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) const {
    check();
    if (d <= d.zero()) {
      return state_->ready();
    }
    return state_->wait_until(detail::deadline_in(d));
  }

  // wait_until: blocks until ready or t has passed; true if ready. Throws std::future_error
  // (no_state) if !valid().
  bool wait_until(Clock::time_point t) const {
    check();
    return state_->wait_until(t);
  }

  // get: waits until ready, then returns the value or rethrows the stored exception. One-shot:
  // afterwards valid() is false. Throws std::future_error (no_state) if !valid() (for example
  // on a second get()), std::future_error (broken_promise) if the Promise was destroyed unset.
  T get() {
    check();
    state_->wait();
    Holder holder{std::exchange(state_, nullptr)};
    if (holder.state->error()) {
      // Move the exception out of the shared state: the promise side, which may drop the state
      // last, then never touches it again, and the exception is freed by the thread that
      // caught it. (Sharing it would leave its last release to whichever thread came last,
      // synchronized only by libstdc++'s reference count, which ThreadSanitizer cannot see.)
      std::exception_ptr error = holder.state->take_error();
      holder.release();
      std::rethrow_exception(std::move(error));
    }
    return holder.state->take_value();
  }

  // wait: blocks until ready or ctx is done (a goroutine parks, a thread waits), whichever comes
  // first. Returns {} when ready — also if ctx is done too — else ctx.err()
  // (context_errc::canceled or deadline_exceeded), and the future stays valid for a later
  // wait or get. Throws std::future_error (no_state) if !valid().
  std::error_code wait(const Context& ctx) const {
    check();
    return state_->wait(ctx);
  }

  // get: as get(), but gives up when ctx is done first: then it throws
  // std::system_error(ctx.err()) and the future stays valid, so get() can be tried again.
  // A result that is there wins over a ctx that is done. Throws std::future_error (no_state) if
  // !valid(), and whatever get() throws.
  T get(const Context& ctx) {
    if (const std::error_code ec = wait(ctx)) {
      throw std::system_error(ec);
    }
    return get();
  }

  // then: consumes this future (valid() is false afterwards) and returns a future of f(value)
  // — f() for Future<void>, f(T&) for a reference T. Once the result is there, f runs on a
  // goroutine of its own, started by whoever set the result (at once if it is already there);
  // until then nothing waits, no goroutine and no thread. If this future holds an exception, f
  // is not called and the returned future holds that exception; what f throws goes to the
  // returned future too, and so does a failure to start the goroutine (std::system_error). f is
  // decay-copied and may be move-only; it may return void or a reference (which is kept as
  // such: keep the referent alive). Never blocks. Throws std::future_error (no_state) if
  // !valid(), std::system_error (errc::null_task) for a null function pointer or an empty
  // std::function, std::bad_alloc — each leaving this future as it was.
  template <class F>
  requires detail::ThenInvocable<std::decay_t<F>, T>::value Future<detail::ThenResult<T, F>> then(
      F&& f, std::source_location where = std::source_location::current()) {
    check();
    if (detail::is_null_callable(f)) {
      throw std::system_error(make_error_code(errc::null_task));
    }
    using Cont = detail::ThenState<T, std::decay_t<F>>;
    auto* cont = new Cont(std::forward<F>(f), where);  // throws before anything is consumed
    Future<detail::ThenResult<T, F>> result = cont->get_future();
    cont->source = std::exchange(state_, nullptr);
    cont->source->on_ready(cont);
    return result;
  }

 private:
  friend class Promise<T>;
  friend struct detail::FutureAccess;
  using State = detail::FutureState<T>;

  struct Holder {
    State* state;
    void release() noexcept { std::exchange(state, nullptr)->release(); }
    ~Holder() {
      if (state != nullptr) {
        state->release();
      }
    }
  };

  explicit Future(State* state) noexcept : state_(state) {}

  void check() const {
    if (state_ == nullptr) {
      detail::throw_future_error(std::future_errc::no_state);
    }
  }
  void reset() noexcept {
    if (state_ != nullptr) {
      std::exchange(state_, nullptr)->release();
    }
  }

  State* state_ = nullptr;
};

// Promise<T>: the sending end of a one-shot result. Move-only; one set_* call per promise.
// Setting never blocks and may be done from any goroutine, thread or timer callback. A promise
// destroyed without being set stores std::future_error (broken_promise) for its future.
template <class T>
class Promise {
 public:
  // Promise: allocates the shared state (one small allocation). Throws std::bad_alloc.
  Promise() : state_(new State) {}
  Promise(Promise&& other) noexcept
      : state_(std::exchange(other.state_, nullptr)),
        retrieved_(other.retrieved_),
        satisfied_(other.satisfied_) {}
  Promise& operator=(Promise&& other) noexcept {
    if (this != &other) {
      abandon();
      state_ = std::exchange(other.state_, nullptr);
      retrieved_ = other.retrieved_;
      satisfied_ = other.satisfied_;
    }
    return *this;
  }
  Promise(const Promise&) = delete;
  Promise& operator=(const Promise&) = delete;
  ~Promise() { abandon(); }

  // get_future: the future of this promise. Throws std::future_error: future_already_retrieved
  // on a second call, no_state on a moved-from promise.
  Future<T> get_future() {
    check();
    if (retrieved_) {
      detail::throw_future_error(std::future_errc::future_already_retrieved);
    }
    retrieved_ = true;
    return Future<T>(state_);
  }

  // set_value: stores the value (no argument for Promise<void>; an lvalue for Promise<T&>) and
  // wakes the waiter. Throws std::future_error: promise_already_satisfied if already set,
  // no_state on a moved-from promise; or whatever constructing the value throws (then the
  // promise stays unset).
  template <class... A>
  void set_value(A&&... a) {
    check_unsatisfied();
    state_->store_value(std::forward<A>(a)...);
    satisfied_ = true;
    state_->mark_ready();
  }

  // set_exception: stores an exception that get() will rethrow. A null pointer is stored as
  // std::invalid_argument. Throws std::future_error like set_value.
  void set_exception(std::exception_ptr e) {
    check_unsatisfied();
    if (!e) {
      e = std::make_exception_ptr(std::invalid_argument("gopool: set_exception(nullptr)"));
    }
    state_->store_error(std::move(e));
    satisfied_ = true;
    state_->mark_ready();
  }

  // set_result_of: calls f() and stores what it returns, or what it throws. Throws
  // std::future_error like set_value (before calling f).
  template <class F>
  void set_result_of(F&& f) {
    check_unsatisfied();
    try {
      if constexpr (std::is_void_v<T>) {
        std::invoke(std::forward<F>(f));
        state_->store_value();
      } else {
        state_->store_value(std::invoke(std::forward<F>(f)));
      }
    } catch (...) {
      state_->store_error(std::current_exception());
    }
    satisfied_ = true;
    state_->mark_ready();
  }

  // valid: false for a moved-from promise.
  bool valid() const noexcept { return state_ != nullptr; }

 private:
  using State = detail::FutureState<T>;

  void check() const {
    if (state_ == nullptr) {
      detail::throw_future_error(std::future_errc::no_state);
    }
  }
  void check_unsatisfied() const {
    check();
    if (satisfied_) {
      detail::throw_future_error(std::future_errc::promise_already_satisfied);
    }
  }
  void abandon() noexcept {
    if (state_ == nullptr) {
      return;
    }
    State* s = std::exchange(state_, nullptr);
    if (!retrieved_) {
      // Nobody can observe the result: drop both references.
      s->release();
      s->release();
      return;
    }
    if (!satisfied_) {
      s->store_error(std::make_exception_ptr(std::future_error(std::future_errc::broken_promise)));
      s->mark_ready();
    }
    s->release();
  }

  State* state_ = nullptr;
  bool retrieved_ = false;
  bool satisfied_ = false;
};

namespace detail {

// ThenState: then()'s continuation: the source's reference, the function and the promise of
// its result. When the source is ready it starts a goroutine that runs the function and then
// frees this state.
template <class T, class Fn>
class ThenState final : public FutureContinuation {
 public:
  using R = ThenResult<T, Fn>;

  template <class F>
  ThenState(F&& f, const std::source_location& where) : fn_(std::forward<F>(f)), where_(where) {
    fire = &on_fire;
  }

  Future<R> get_future() { return promise_.get_future(); }

  FutureState<T>* source = nullptr;  // owned reference, set by then()

 private:
  static void on_fire(FutureContinuation* self) noexcept {
    auto* me = static_cast<ThenState*>(self);
    try {
      go([me] { me->run(); }, me->where_);
    } catch (...) {
      // No goroutine could be started: the result's future learns why, f never runs.
      std::unique_ptr<ThenState> owner(me);
      owner->promise_.set_exception(std::current_exception());
      owner->source->release();
    }
  }

  void run() noexcept {
    std::unique_ptr<ThenState> owner(this);
    FutureState<T>* src = std::exchange(source, nullptr);
    if (src->error()) {
      std::exception_ptr e = src->take_error();
      src->release();
      promise_.set_exception(std::move(e));
      return;
    }
    promise_.set_result_of([&]() -> R {
      struct Release {
        FutureState<T>* s;
        ~Release() { s->release(); }
      } release{src};
      if constexpr (std::is_void_v<T>) {
        return std::invoke(std::move(fn_));
      } else {
        return std::invoke(std::move(fn_), src->take_value());
      }
    });
  }

  Fn fn_;
  std::source_location where_;
  Promise<R> promise_;
};

}  // namespace detail

// make_ready_future: a future that already holds value (or nothing, for void). Throws
// std::bad_alloc, or what constructing the value throws.
template <class T>
Future<std::decay_t<T>> make_ready_future(T&& value) {
  Promise<std::decay_t<T>> p;
  Future<std::decay_t<T>> f = p.get_future();
  p.set_value(std::forward<T>(value));
  return f;
}

inline Future<void> make_ready_future() {
  Promise<void> p;
  Future<void> f = p.get_future();
  p.set_value();
  return f;
}

// make_exceptional_future: a future whose get() rethrows e (a null e becomes
// std::invalid_argument). Throws std::bad_alloc.
template <class T>
Future<T> make_exceptional_future(std::exception_ptr e) {
  Promise<T> p;
  Future<T> f = p.get_future();
  p.set_exception(std::move(e));
  return f;
}

// async: starts a goroutine running f(args...) (arguments are decay-copied, as std::async does)
// and returns a future of its result; an exception thrown by f goes to the future. Never
// blocks. Throws what go() throws (std::system_error when no stack can be mapped).
template <class F, class... Args>
auto async(F&& f, Args&&... args)
    -> Future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
  using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
  Promise<R> promise;
  Future<R> future = promise.get_future();
  go([promise = std::move(promise), fn = std::decay_t<F>(std::forward<F>(f)),
      bound = std::make_tuple(std::decay_t<Args>(std::forward<Args>(args))...)]() mutable {
    promise.set_result_of([&]() -> R { return std::apply(std::move(fn), std::move(bound)); });
  });
  return future;
}

}  // namespace gopool
