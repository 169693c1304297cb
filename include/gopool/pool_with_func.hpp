// PoolWithFunc<Arg>: a pool whose workers all run one function, each call with its own argument
// (ants' PoolWithFunc / PoolWithFuncGeneric).
#pragma once

#include <chrono>
#include <functional>
#include <source_location>
#include <system_error>
#include <utility>

#include "gopool/context.hpp"
#include "gopool/detail/pool_base.hpp"
#include "gopool/detail/pool_submit.hpp"
#include "gopool/errors.hpp"
#include "gopool/future.hpp"
#include "gopool/pool_options.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

// PoolWithFunc<Arg> runs fn(arg) for every invoke(arg), on at most cap() worker goroutines, with
// the same capacity, blocking, rejection, purge and lifecycle rules as Pool (it shares Pool's
// core). Neither copyable nor movable. Arg is moved into the task and then into fn.
template <class Arg>
class PoolWithFunc : public detail::PoolBase {
 public:
  // PoolWithFunc: capacity <= 0 means unbounded. Throws std::system_error with
  // errc::lack_pool_func if fn is empty (checked first, as ants), else the errors of Pool's
  // constructor for bad options.
  PoolWithFunc(int capacity, std::function<void(Arg)> fn, PoolOptions options = {})
      : PoolBase((require(fn), capacity), std::move(options)), fn_(std::move(fn)) {}

  // ~PoolWithFunc: release(), then waits until every accepted call has finished and every
  // worker has exited (a goroutine parks, a thread waits).
  ~PoolWithFunc() { shutdown(); }

  // invoke: runs fn(arg) on a worker (ants' Invoke). Blocks and fails exactly like
  // Pool::post(): {} once a worker has it, else errc::pool_closed or errc::pool_overload (the
  // call then also goes to on_reject). What fn throws goes to on_exception or the log.
  // Each call of the family records its caller's source_location (`where`, left to its
  // default) as the task's post site, as Pool::post() does.
  [[nodiscard]] std::error_code invoke(
      Arg arg, std::source_location where = std::source_location::current()) {
    return invoke_impl(detail::PoolWait{}, std::move(arg), where);
  }

  // invoke_for: invoke() that waits at most `timeout` for a worker, else errc::timeout.
  template <class Rep, class Period>
  [[nodiscard]] std::error_code invoke_for(
      std::chrono::duration<Rep, Period> timeout, Arg arg,
      std::source_location where = std::source_location::current()) {
    return invoke_impl(detail::PoolWait::until(detail::deadline_in(timeout)), std::move(arg),
                       where);
  }

  // invoke: invoke() that gives up waiting for a worker when ctx is done (the error is then
  // ctx.err()).
  [[nodiscard]] std::error_code invoke(
      const Context& ctx, Arg arg, std::source_location where = std::source_location::current()) {
    return invoke_impl(detail::PoolWait::for_context(ctx), std::move(arg), where);
  }

  // invoke_until: invoke() that waits until `deadline` at the latest, else errc::timeout.
  [[nodiscard]] std::error_code invoke_until(
      Clock::time_point deadline, Arg arg,
      std::source_location where = std::source_location::current()) {
    return invoke_impl(detail::PoolWait::until(deadline), std::move(arg), where);
  }

  // submit: invoke() with a Future<void> that becomes ready when fn(arg) returned, or holds
  // what it threw (then on_exception is not called). A refusal makes get() throw
  // std::system_error with the error (as Pool::submit()). Blocks like invoke().
  Future<void> submit(Arg arg, std::source_location where = std::source_location::current()) {
    return submit_impl(detail::PoolWait{}, std::move(arg), where);
  }

  // submit_for / submit_until / submit(ctx, arg): submit() with the waits of invoke_for(),
  // invoke_until() and invoke(ctx, arg).
  template <class Rep, class Period>
  Future<void> submit_for(std::chrono::duration<Rep, Period> timeout, Arg arg,
                          std::source_location where = std::source_location::current()) {
    return submit_impl(detail::PoolWait::until(detail::deadline_in(timeout)), std::move(arg),
                       where);
  }
  Future<void> submit_until(Clock::time_point deadline, Arg arg,
                            std::source_location where = std::source_location::current()) {
    return submit_impl(detail::PoolWait::until(deadline), std::move(arg), where);
  }
  Future<void> submit(const Context& ctx, Arg arg,
                      std::source_location where = std::source_location::current()) {
    return submit_impl(detail::PoolWait::for_context(ctx), std::move(arg), where);
  }

  // try_invoke: invoke() that hands the argument back when the pool refuses the call: the
  // Refusal is empty (false) once a worker has it, else it holds the error and the argument,
  // moved back unharmed (Refusal::take()). Nothing goes to on_reject; the refusal is counted.
  [[nodiscard]] Refusal<Arg> try_invoke(
      Arg arg, std::source_location where = std::source_location::current()) {
    return try_invoke_impl(detail::PoolWait{}, std::move(arg), where);
  }

  // try_invoke_for / try_invoke_until / try_invoke(ctx, arg): try_invoke() with invoke_for()'s,
  // invoke_until()'s and invoke(ctx, arg)'s limits on the wait.
  template <class Rep, class Period>
  [[nodiscard]] Refusal<Arg> try_invoke_for(
      std::chrono::duration<Rep, Period> timeout, Arg arg,
      std::source_location where = std::source_location::current()) {
    return try_invoke_impl(detail::PoolWait::until(detail::deadline_in(timeout)), std::move(arg),
                           where);
  }
  [[nodiscard]] Refusal<Arg> try_invoke_until(
      Clock::time_point deadline, Arg arg,
      std::source_location where = std::source_location::current()) {
    return try_invoke_impl(detail::PoolWait::until(deadline), std::move(arg), where);
  }
  [[nodiscard]] Refusal<Arg> try_invoke(
      const Context& ctx, Arg arg, std::source_location where = std::source_location::current()) {
    return try_invoke_impl(detail::PoolWait::for_context(ctx), std::move(arg), where);
  }

 private:
  // Call: the task of one invoke(): the pool's function and the argument it owns.
  struct Call {
    PoolWithFunc* pool;
    Arg arg;
    void operator()() { pool->fn_(std::move(arg)); }
  };

  Future<void> submit_impl(const detail::PoolWait& wait, Arg&& arg,
                           const std::source_location& where) {
    return detail::submit_to(target(), wait, where, Call{this, std::move(arg)});
  }

  Refusal<Arg> try_invoke_impl(const detail::PoolWait& wait, Arg&& arg,
                               const std::source_location& where) {
    Refusal<Call> refused = detail::try_post_to(target(), wait, Call{this, std::move(arg)}, where);
    if (!refused) return {};
    return Refusal<Arg>(refused.error(), std::move(refused.take().arg));
  }

  static void require(const std::function<void(Arg)>& fn) {
    if (!fn) {
      throw std::system_error(make_error_code(errc::lack_pool_func));
    }
  }

  std::error_code invoke_impl(const detail::PoolWait& wait, Arg&& arg,
                              const std::source_location& where) {
    return detail::post_to(target(), wait, Call{this, std::move(arg)}, where);
  }

  std::function<void(Arg)> fn_;
};

}  // namespace gopool
