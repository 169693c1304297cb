// JoinSet<T>: a set of tasks run on a pool whose results are taken in completion order, as
// tokio's JoinSet: spawn() many, next() each result as it finishes, abort_all() to cancel them,
// and the set never outlives its tasks.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <exception>
#include <forward_list>
#include <memory>
#include <optional>
#include <source_location>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "gopool/context.hpp"
#include "gopool/detail/deadline.hpp"
#include "gopool/detail/null_callable.hpp"
#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/wait_queue.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/errors.hpp"
#include "gopool/export.hpp"
#include "gopool/pool.hpp"
#include "gopool/runtime.hpp"

namespace gopool {
namespace detail {

// JoinNode: one spawned task's outcome: its exception, or (in the typed JoinSlot) its value.
// Allocated by spawn(), filled by the task, linked into the set's list of finished tasks and
// freed by whoever takes it.
struct JoinNode {
  JoinNode() = default;
  JoinNode(const JoinNode&) = delete;
  JoinNode& operator=(const JoinNode&) = delete;
  virtual ~JoinNode() = default;

  std::exception_ptr error;
  JoinNode* next = nullptr;  // the finished list, under JoinCore's lock
};

// JoinCore: the untyped part of a JoinSet: the finished tasks in completion order, the callers
// of next() waiting for one, the counts, and the Context the tasks run under. Every member may
// be called from any goroutine or thread at once (except the destructor).
class GOPOOL_API JoinCore {
 public:
  explicit JoinCore(const Context& parent);
  JoinCore(const JoinCore&) = delete;
  JoinCore& operator=(const JoinCore&) = delete;
  // ~JoinCore: frees the finished nodes nobody took. Only once drain() has returned.
  ~JoinCore();

  // task_context: the Context for a task spawned now: a child of the parent, replaced by a
  // fresh one after abort_all() (unless the parent itself is done). The reference stays valid
  // as long as the JoinCore, so a task holds it without a reference count of its own (the set
  // outlives its tasks). Lock-free unless it must make a fresh one. Throws std::bad_alloc.
  const Context& task_context();

  // add: counts a task about to be posted. undo_add: takes it back when posting threw.
  void add() noexcept;
  void undo_add() noexcept;

  // complete: a counted task's outcome: handed to the first waiting next(), else appended to
  // the finished list. Wakes that waiter, or drain(), after its last touch of the set. Never
  // blocks beyond a short lock.
  void complete(JoinNode* node) noexcept;

  // take: the next finished node, waiting until `deadline` (a goroutine parks, a thread waits)
  // while counted tasks are still to finish. nullptr when nothing is left to take, or when the
  // deadline passed first. A deadline already past only polls.
  JoinNode* take(Clock::time_point deadline) noexcept;

  // size: tasks counted and not yet taken (a take() that waits has taken one).
  std::size_t size() const noexcept;

  // abort_all: cancels the Context of every task spawned so far. Never blocks beyond a lock.
  void abort_all() noexcept;

  // drain: waits until every counted task has completed (a goroutine parks, a thread waits).
  void drain() noexcept;

 private:
  struct Waiter;

  mutable SpinLock mu_;
  JoinNode* head_ = nullptr;  // finished, not taken; in completion order
  JoinNode* tail_ = nullptr;
  WaitQueue<Waiter> waiters_;  // take() callers in FIFO order
  std::size_t unclaimed_ = 0;  // counted, neither taken nor reserved by a waiting take()
  std::size_t running_ = 0;    // counted, not completed
  WaitState* drainer_ = nullptr;
  const Context parent_;
  // Every Context tasks were given, newest first, kept until the set goes (abort_all() makes a
  // new one rarely); ctx_ points at the current one, replaced under mu_.
  std::forward_list<Context> contexts_;
  std::atomic<const Context*> ctx_;
};

// JoinValue: what next() yields for a JoinSet<T>: T, or std::monostate for T = void.
template <class T>
using JoinValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// JoinSlot: a JoinNode with room for the value.
template <class T>
struct JoinSlot final : JoinNode {
  std::optional<JoinValue<T>> value;
};

// JoinResult: what a task f returns when given a Context (preferred) or nothing.
template <class F, bool = std::invocable<F&, const Context&>>
struct JoinResultOf {
  using type = std::invoke_result_t<F&, const Context&>;
};
template <class F>
struct JoinResultOf<F, false> {
  using type = std::invoke_result_t<F&>;
};

// JoinTask: what JoinSet<T>::spawn() accepts: f(const Context&) or f() returning something
// convertible to T (anything, discarded, is not accepted for void: it must return void).
template <class F, class T>
concept JoinTask =
    (std::invocable<std::decay_t<F>&, const Context&> || std::invocable<std::decay_t<F>&>)&&(
        std::is_void_v<T> ? std::is_void_v<typename JoinResultOf<std::decay_t<F>>::type>
                          : std::convertible_to<typename JoinResultOf<std::decay_t<F>>::type, T>);

}  // namespace detail

// JoinSet<T>: runs tasks on a pool (default_pool() unless told otherwise) and yields their
// results in the order they finish (T may be void). Each task runs under a Context, a child of
// the set's parent context, that abort_all() and the destructor cancel. Every member may be
// called from goroutines and threads, also at once (except the destructor, as for any object).
// Neither copyable nor movable. The pool must outlive the set.
template <class T>
class JoinSet {
  static_assert(!std::is_reference_v<T>, "JoinSet<T&> is not supported: use a pointer");

 public:
  // What next() yields: T, or std::monostate for JoinSet<void>.
  using value_type = detail::JoinValue<T>;

  // JoinSet: an empty set on default_pool(), under background(). Throws std::bad_alloc.
  JoinSet() : JoinSet(default_pool(), background()) {}

  // JoinSet: an empty set whose tasks run on `pool`, under background(). Throws std::bad_alloc.
  explicit JoinSet(Pool& pool) : JoinSet(pool, background()) {}

  // JoinSet: an empty set on `pool` whose tasks run under children of `parent`: cancelling
  // parent cancels them, as abort_all() does. Throws std::bad_alloc.
  JoinSet(Pool& pool, const Context& parent) : pool_(pool), core_(parent) {}

  JoinSet(const JoinSet&) = delete;
  JoinSet& operator=(const JoinSet&) = delete;

  // ~JoinSet: abort_all(), then waits until every task has finished (a goroutine parks, a
  // thread waits) — tasks not started yet do not run — and drops the results nobody took.
  // Never leaks a task, never throws. A task that ignores its Context keeps it waiting; it must
  // not run in a task of this set (it would wait for itself).
  ~JoinSet() {
    core_.abort_all();
    core_.drain();
  }

  // spawn: posts f to the pool as a task of this set; f is called as f(ctx) with the task's
  // Context if it takes one, else as f(), and returns T (void for JoinSet<void>). f is
  // decay-copied and may be move-only; it is destroyed before its result is delivered. Blocks
  // like Pool::post() while the pool is full (a goroutine parks, a thread waits), until a
  // worker takes the task, the pool refuses it, or abort_all() cancels the wait. A refused task
  // still counts: next() yields it at its turn (when refused) as std::system_error with the
  // refusal's error (errc::pool_closed, errc::pool_overload, a Context's error); the pool's
  // on_reject handler is not called. A task whose Context is done before it starts does not
  // run, and next() yields it as std::system_error(ctx.err()). Throws std::system_error
  // (errc::null_task) for a null function pointer or an empty std::function, std::bad_alloc,
  // and std::system_error if no worker goroutine can be started — each leaving the set as it
  // was.
  template <class F>
  requires detail::JoinTask<F, T>
  void spawn(F&& f, std::source_location where = std::source_location::current()) {
    if (detail::is_null_callable(f)) {
      throw std::system_error(make_error_code(errc::null_task));
    }
    auto slot = std::make_unique<Slot>();
    const Context& ctx = core_.task_context();
    Slot* s = slot.get();
    detail::JoinCore* core = &core_;
    const Context* task_ctx = &ctx;  // lives as long as the set, which outlives the task
    auto task = [core, s, task_ctx,
                 fn = std::optional<std::decay_t<F>>(std::forward<F>(f))]() mutable {
      run(*s, *task_ctx, fn);
      core->complete(s);  // the last touch of the set
    };
    core_.add();
    try {
      if (auto refused = pool_.try_post(ctx, std::move(task), where)) {
        s->error = std::make_exception_ptr(std::system_error(refused.error()));
        core_.complete(slot.release());
        return;
      }
    } catch (...) {
      core_.undo_add();
      throw;
    }
    (void)slot.release();  // the task owns it now
  }

  // next: the next task to finish, in completion order: its value, or its exception rethrown
  // (the task is then taken all the same). Waits while tasks are still running (a goroutine
  // parks, a thread waits); std::nullopt at once when the set is empty. Rethrows what the task
  // threw, std::system_error for a refused or aborted task (see spawn()).
  std::optional<value_type> next() { return deliver(core_.take(Clock::time_point::max())); }

  // next_for: next() that waits at most d. std::nullopt in two cases: the set is empty
  // (returned at once), or d passed with no task finished; empty() then tells which, as long as
  // nobody spawns meanwhile. d <= 0 only polls (as try_next()); a d beyond the clock's range
  // waits as long as it takes. Throws as next().
  template <class Rep, class Period>
  std::optional<value_type> next_for(std::chrono::duration<Rep, Period> d) {
    return deliver(core_.take(d <= d.zero() ? Clock::time_point::min() : detail::deadline_in(d)));
  }

  // next_until: next_for() with a deadline.
  std::optional<value_type> next_until(Clock::time_point t) { return deliver(core_.take(t)); }

  // try_next: a task that has already finished, without waiting; std::nullopt if none has (or
  // the set is empty). Never blocks. Throws as next().
  std::optional<value_type> try_next() { return deliver(core_.take(Clock::time_point::min())); }

  // size: tasks spawned (refused ones included) whose results next() has not taken yet.
  std::size_t size() const noexcept { return core_.size(); }

  // empty: size() == 0.
  bool empty() const noexcept { return core_.size() == 0; }

  // abort_all: cancels the Context of every task spawned so far: those not started yet will not
  // run (next() yields them as std::system_error(context_errc::canceled)), running ones see
  // their Context done, a spawn() waiting for a worker gives up. Their results are still
  // yielded by next(). Tasks spawned afterwards run under a fresh Context. Never blocks beyond a
  // short lock; never throws.
  void abort_all() noexcept { core_.abort_all(); }

 private:
  using Slot = detail::JoinSlot<T>;

  template <class Fn>
  static void run(Slot& s, const Context& ctx, std::optional<Fn>& fn) noexcept {
    if (const std::error_code ec = ctx.err()) {
      s.error = std::make_exception_ptr(std::system_error(ec));
    } else {
      try {
        if constexpr (std::is_void_v<T>) {
          invoke(*fn, ctx);
          s.value.emplace();
        } else {
          s.value.emplace(invoke(*fn, ctx));
        }
      } catch (...) {
        s.error = std::current_exception();
      }
    }
    fn.reset();  // the caller's captures go before the result is delivered
  }

  template <class Fn>
  static decltype(auto) invoke(Fn& fn, const Context& ctx) {
    if constexpr (std::invocable<Fn&, const Context&>) {
      return fn(ctx);
    } else {
      return fn();
    }
  }

  static std::optional<value_type> deliver(detail::JoinNode* node) {
    if (node == nullptr) {
      return std::nullopt;
    }
    std::unique_ptr<Slot> s(static_cast<Slot*>(node));
    if (s->error) {
      std::exception_ptr e = std::move(s->error);
      s.reset();
      std::rethrow_exception(std::move(e));
    }
    return std::move(s->value);
  }

  Pool& pool_;
  detail::JoinCore core_;
};

}  // namespace gopool
