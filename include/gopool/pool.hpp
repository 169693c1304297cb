// Pool: a bounded goroutine pool as ants' Pool: a capped number of reusable worker goroutines,
// fed with tasks by post() (ants' Submit) or submit() (with a Future); plus default_pool() and
// the free functions that use it (ants' package-level Submit & co.).
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <source_location>
#include <system_error>
#include <type_traits>
#include <utility>

#include "gopool/context.hpp"
#include "gopool/detail/pool_base.hpp"
#include "gopool/detail/pool_submit.hpp"
#include "gopool/errors.hpp"
#include "gopool/export.hpp"
#include "gopool/future.hpp"
#include "gopool/pool_options.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

class MultiPool;

// Pool runs tasks on at most cap() worker goroutines, reusing idle ones (most recently idle
// first) and stopping those idle longer than `expiry`. Every member may be called from
// goroutines and from foreign threads. Neither copyable nor movable. Every accepted task runs
// exactly once; every refused task is reported exactly once (the error code, the future, and
// the on_reject handler).
class Pool : public detail::PoolBase {
 public:
  // Pool: a pool of at most `capacity` workers; capacity <= 0 means unbounded. Workers start
  // lazily. Throws std::system_error with errc::invalid_expiry, invalid_pre_alloc_size,
  // invalid_max_blocking_tasks or invalid_stack_size for bad options (see PoolOptions).
  explicit Pool(int capacity, PoolOptions options = {}) : PoolBase(capacity, std::move(options)) {}

  // ~Pool: release(), then waits until every accepted task has finished and every worker has
  // exited (a goroutine parks, a thread waits). Never drops an accepted task. Must not run in
  // a task of this pool (it would wait for itself).
  ~Pool() { shutdown(); }

  // post: runs f() on a worker (ants' Submit). With no idle worker it starts one while under
  // capacity; at capacity it blocks the caller (a goroutine parks, a thread waits) until a
  // worker is free, FIFO. Returns {} once a worker has the task, else:
  //   errc::pool_closed   the pool is released (also if that happens while blocked);
  //   errc::pool_overload full and `nonblocking`, or `max_blocking_tasks` callers wait already;
  //   errc::null_task     f is a null function pointer or an empty std::function.
  // A refused task (not a null one) also goes to the on_reject handler. What f throws goes to
  // on_exception or the log. Throws std::system_error only if no worker goroutine can be
  // started (no memory for a stack), and whatever a custom on_reject handler throws. As in
  // ants, tasks that post to their own full pool and wait there can deadlock it: nest posts
  // only into an unbounded pool, or use nonblocking / post_for.
  //
  // Every call of the family records the caller's source_location (the `where` parameter,
  // left to its default): a worker running the task shows it in dumps, and stack overflows and
  // exceptions name it. submit() with arguments cannot record it (C++ allows no defaulted
  // parameter after a pack): bind the arguments into a lambda to get it.
  template <detail::PostableTask F>
  [[nodiscard]] std::error_code post(F&& f,
                                     std::source_location where = std::source_location::current()) {
    return post_impl(detail::PoolWait{}, std::forward<F>(f), where);
  }

  // post_for: post() that waits at most `timeout` for a worker (ants issue 237), then refuses
  // the task with errc::timeout. A timeout <= 0 never waits; one beyond the clock's range waits
  // as long as it takes.
  template <class Rep, class Period, detail::PostableTask F>
  [[nodiscard]] std::error_code post_for(
      std::chrono::duration<Rep, Period> timeout, F&& f,
      std::source_location where = std::source_location::current()) {
    return post_impl(detail::PoolWait::until(detail::deadline_in(timeout)), std::forward<F>(f),
                     where);
  }

  // post_until: post() that waits until `deadline` at the latest, then refuses the task with
  // errc::timeout.
  template <detail::PostableTask F>
  [[nodiscard]] std::error_code post_until(
      Clock::time_point deadline, F&& f,
      std::source_location where = std::source_location::current()) {
    return post_impl(detail::PoolWait::until(deadline), std::forward<F>(f), where);
  }

  // post: post() that also gives up when ctx is done while the caller waits for a worker: the
  // task is then refused with ctx.err() (context_errc::canceled or deadline_exceeded). A free
  // worker is taken even if ctx is already done (as x/sync's Semaphore.Acquire).
  template <detail::PostableTask F>
  [[nodiscard]] std::error_code post(const Context& ctx, F&& f,
                                     std::source_location where = std::source_location::current()) {
    return post_impl(detail::PoolWait::for_context(ctx), std::forward<F>(f), where);
  }

  // post: post() of f(args...), arguments decay-copied as submit(f, args...) does (f sees
  // lvalues of its copies); what f returns is dropped. Records no post site.
  template <class F, class A0, class... Args>
  requires std::invocable < std::decay_t<F>
  &, std::decay_t<A0>&,
      std::decay_t<Args>&... > [[nodiscard]] std::error_code post(F&& f, A0&& a0, Args&&... args) {
    return post_impl(
        detail::PoolWait{},
        detail::bind_call(std::forward<F>(f), std::forward<A0>(a0), std::forward<Args>(args)...),
        std::source_location{});
  }

  // try_post: post() that hands the callable back when the pool refuses it: the Refusal is
  // empty (false) once a worker has the task, else it holds the error (as post()'s) and the
  // callable, moved back unharmed and never run (Refusal::take()). Nothing goes to on_reject;
  // the refusal is counted in stats(). Blocks like post(); works with move-only callables.
  template <detail::PostableTask F>
  [[nodiscard]] Refusal<std::decay_t<F>> try_post(
      F&& f, std::source_location where = std::source_location::current()) {
    return try_post_impl(detail::PoolWait{}, std::forward<F>(f), where);
  }

  // try_post_for / try_post_until / try_post(ctx, f): try_post() with post_for()'s,
  // post_until()'s and post(ctx, f)'s limits on the wait.
  template <class Rep, class Period, detail::PostableTask F>
  [[nodiscard]] Refusal<std::decay_t<F>> try_post_for(
      std::chrono::duration<Rep, Period> timeout, F&& f,
      std::source_location where = std::source_location::current()) {
    return try_post_impl(detail::PoolWait::until(detail::deadline_in(timeout)), std::forward<F>(f),
                         where);
  }
  template <detail::PostableTask F>
  [[nodiscard]] Refusal<std::decay_t<F>> try_post_until(
      Clock::time_point deadline, F&& f,
      std::source_location where = std::source_location::current()) {
    return try_post_impl(detail::PoolWait::until(deadline), std::forward<F>(f), where);
  }
  template <detail::PostableTask F>
  [[nodiscard]] Refusal<std::decay_t<F>> try_post(
      const Context& ctx, F&& f, std::source_location where = std::source_location::current()) {
    return try_post_impl(detail::PoolWait::for_context(ctx), std::forward<F>(f), where);
  }

  // submit: post() of f(args...) (arguments decay-copied, as std::async) with a Future of its
  // result. The future holds what f returns or throws; if the pool refuses the task (errors as
  // post()), get() throws std::system_error with that error code — unless the on_reject handler
  // ran the task (caller_runs), then it holds the result. Blocks like post(). Throws only what
  // post() throws and std::bad_alloc.
  template <detail::PostableTask F>
  Future<detail::SubmitResult<F>> submit(
      F&& f, std::source_location where = std::source_location::current()) {
    return submit_impl(detail::PoolWait{}, where, std::forward<F>(f));
  }
  template <class F, class A0, class... Args>
  Future<detail::SubmitResult<F, A0, Args...>> submit(F&& f, A0&& a0, Args&&... args) {
    return submit_impl(detail::PoolWait{}, std::source_location{}, std::forward<F>(f),
                       std::forward<A0>(a0), std::forward<Args>(args)...);
  }

  // submit_for: submit() that waits at most `timeout` for a worker (then the future throws
  // std::system_error with errc::timeout).
  template <class Rep, class Period, detail::PostableTask F>
  Future<detail::SubmitResult<F>> submit_for(
      std::chrono::duration<Rep, Period> timeout, F&& f,
      std::source_location where = std::source_location::current()) {
    return submit_impl(detail::PoolWait::until(detail::deadline_in(timeout)), where,
                       std::forward<F>(f));
  }
  template <class Rep, class Period, class F, class A0, class... Args>
  Future<detail::SubmitResult<F, A0, Args...>> submit_for(
      std::chrono::duration<Rep, Period> timeout, F&& f, A0&& a0, Args&&... args) {
    return submit_impl(detail::PoolWait::until(detail::deadline_in(timeout)),
                       std::source_location{}, std::forward<F>(f), std::forward<A0>(a0),
                       std::forward<Args>(args)...);
  }

  // submit_until: submit() that waits until `deadline` at the latest (then the future throws
  // std::system_error with errc::timeout).
  template <detail::PostableTask F>
  Future<detail::SubmitResult<F>> submit_until(
      Clock::time_point deadline, F&& f,
      std::source_location where = std::source_location::current()) {
    return submit_impl(detail::PoolWait::until(deadline), where, std::forward<F>(f));
  }

  // submit: submit() that gives up waiting for a worker when ctx is done; the future then
  // throws std::system_error with ctx.err().
  template <detail::PostableTask F>
  Future<detail::SubmitResult<F>> submit(
      const Context& ctx, F&& f, std::source_location where = std::source_location::current()) {
    return submit_impl(detail::PoolWait::for_context(ctx), where, std::forward<F>(f));
  }
  template <class F, class A0, class... Args>
  Future<detail::SubmitResult<F, A0, Args...>> submit(const Context& ctx, F&& f, A0&& a0,
                                                      Args&&... args) {
    return submit_impl(detail::PoolWait::for_context(ctx), std::source_location{},
                       std::forward<F>(f), std::forward<A0>(a0), std::forward<Args>(args)...);
  }

 private:
  template <class F>
  std::error_code post_impl(const detail::PoolWait& wait, F&& f,
                            const std::source_location& where) {
    return detail::post_to(target(), wait, std::forward<F>(f), where);
  }

  template <class F>
  Refusal<std::decay_t<F>> try_post_impl(const detail::PoolWait& wait, F&& f,
                                         const std::source_location& where) {
    return detail::try_post_to(target(), wait, std::forward<F>(f), where);
  }

  template <class F, class... Args>
  Future<detail::SubmitResult<F, Args...>> submit_impl(const detail::PoolWait& wait,
                                                       const std::source_location& where, F&& f,
                                                       Args&&... args) {
    return detail::submit_to(target(), wait, where, std::forward<F>(f),
                             std::forward<Args>(args)...);
  }
};

// kDefaultPoolCapacity: the capacity of default_pool(), as ants' DefaultAntsPoolSize.
inline constexpr int kDefaultPoolCapacity = std::numeric_limits<std::int32_t>::max();

// default_pool: the process-wide pool behind the free functions below (ants' package-level
// pool): capacity kDefaultPoolCapacity, default options. Created on first use; never
// destroyed (tasks still running at exit are abandoned, like goroutines). It can be released,
// rebooted and tuned like any pool.
GOPOOL_API Pool& default_pool();

// post: default_pool().post(f) (ants.Submit).
template <detail::PostableTask F>
[[nodiscard]] std::error_code post(F&& f,
                                   std::source_location where = std::source_location::current()) {
  return default_pool().post(std::forward<F>(f), where);
}

// submit: default_pool().submit(f, args...).
template <detail::PostableTask F>
Future<detail::SubmitResult<F>> submit(
    F&& f, std::source_location where = std::source_location::current()) {
  return default_pool().submit(std::forward<F>(f), where);
}
template <class F, class A0, class... Args>
Future<detail::SubmitResult<F, A0, Args...>> submit(F&& f, A0&& a0, Args&&... args) {
  return default_pool().submit(std::forward<F>(f), std::forward<A0>(a0),
                               std::forward<Args>(args)...);
}

}  // namespace gopool
