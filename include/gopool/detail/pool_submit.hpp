// The typed half of posting to a pool, shared by every pool kind: null checks, the
// future-carrying task of submit(), the hand-back of try_post(), each ending in one call into
// the pool's core.
#pragma once

#include <concepts>
#include <exception>
#include <functional>
#include <source_location>
#include <string>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "gopool/detail/coop_budget.hpp"
#include "gopool/detail/null_callable.hpp"
#include "gopool/detail/pool_base.hpp"
#include "gopool/detail/task.hpp"
#include "gopool/future.hpp"
#include "gopool/reject_policy.hpp"

namespace gopool::detail {

// PostableTask: what post() accepts: a callable invocable with no arguments.
template <class F>
concept PostableTask = std::invocable < std::decay_t<F>
& > ;

// make_task: wraps a callable in a Task; a function (not a pointer to one) is passed as a
// pointer, so that Task's null check sees a pointer value rather than a function's address.
template <class F>
Task make_task(F&& f) {
  if constexpr (std::is_function_v<std::remove_reference_t<F>>) {
    return Task(&f);
  } else {
    return Task(std::forward<F>(f));
  }
}

// SubmitTask: the task submit() posts: calls fn(args...) and puts the result or the exception
// into its promise. If it is destroyed without having run after the pool refused it, its future
// gets std::system_error with the refusal's error code and sentence.
template <class R, class Fn, class... Args>
class SubmitTask {
 public:
  template <class F, class... A>
  explicit SubmitTask(F&& f, A&&... args)
      : fn_(std::forward<F>(f)), args_(std::forward<A>(args)...) {}
  // NOLINTNEXTLINE(performance-noexcept-move-constructor): moving Fn may throw
  SubmitTask(SubmitTask&&) = default;
  SubmitTask& operator=(SubmitTask&&) = delete;
  SubmitTask(const SubmitTask&) = delete;
  SubmitTask& operator=(const SubmitTask&) = delete;

  ~SubmitTask() {
    if (refused_ && promise_.valid()) {
      try {
        promise_.set_exception(std::move(refused_));
      } catch (...) {
        // No memory for the exception: the promise reports broken_promise instead.
      }
    }
  }

  // The future of the result; called once, before the task is posted.
  Future<R> get_future() { return promise_.get_future(); }

  // Records why the pool refused the task (before it goes to the reject handler): the
  // exception its future will hold, std::system_error with the code and the pool's sentence.
  // Built here, on the refusal path, so that a task that runs carries no string; without
  // memory for the sentence the code alone must do.
  void refuse(std::error_code reason, const char* why) noexcept {
    try {
      refused_ = std::make_exception_ptr(std::system_error(reason, why));
    } catch (...) {
      refused_ = std::make_exception_ptr(std::system_error(reason));
    }
  }

  void operator()() {
    Promise<R> promise = std::move(promise_);  // ran: the destructor has nothing left to do
    promise.set_result_of([this]() -> R { return std::apply(std::move(fn_), std::move(args_)); });
  }

 private:
  Promise<R> promise_;
  Fn fn_;
  [[no_unique_address]] std::tuple<Args...> args_;
  std::exception_ptr refused_;  // set once refused: what the future will hold
};

// post_to: the body of every post() and invoke(): checks f, then makes the one call into the
// pool (`target`: a pool's CoreTarget, or a MultiPool's route) that hands f to a worker or refuses
// it to the on_reject handler; returns the error.
template <class Target, class F>
std::error_code post_to(Target&& target, const PoolWait& wait, F&& f,
                        const std::source_location& where) {
  if (is_null_callable(f)) {
    return target.null_task_error();
  }
  Task task = make_task(std::forward<F>(f));
  const std::error_code ec = target.post_task(task, wait, where, Refused::to_handler);
  spend_coop_budget();  // a poster that never blocks must still let its workers run
  return ec;
}

// try_post_to: the body of every try_post() and try_invoke(): as post_to, but a refused
// callable comes back inside the Refusal (counted, never given to the reject handler).
template <class Target, class F>
Refusal<std::decay_t<F>> try_post_to(Target&& target, const PoolWait& wait, F&& f,
                                     const std::source_location& where) {
  using D = std::decay_t<F>;
  if (is_null_callable(f)) {
    return Refusal<D>(target.null_task_error(), D(std::forward<F>(f)));
  }
  Task task = make_task(std::forward<F>(f));
  const std::error_code ec = target.post_task(task, wait, where, Refused::to_caller);
  spend_coop_budget();
  if (!ec) return {};
  return Refusal<D>(ec, std::move(*task.template target<D>()));  // task holds exactly a D
}

// bind_call: f and its arguments, decay-copied, as one callable `void()` (the task of
// post(f, args...)); the result of f, if any, is dropped.
template <class F, class... Args>
auto bind_call(F&& f, Args&&... args) {
  return [fn = std::decay_t<F>(std::forward<F>(f)),
          bound = std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)]() mutable {
    std::apply([&](auto&... a) { (void)std::invoke(fn, a...); }, bound);
  };
}

// SubmitResult: the type submit(f, args...) produces a Future of. Ill-formed (so submit() drops
// out of overload resolution) unless F is invocable with the decay-copied Args.
template <class F, class... Args>
using SubmitResult = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;

// submit_to: the body of every submit(): as post_to, but the task carries a promise and the
// caller gets its future; refusals (told to the task before on_reject sees it) and exceptions
// end up in the future.
template <class Target, class F, class... Args>
Future<SubmitResult<F, Args...>> submit_to(Target&& target, const PoolWait& wait,
                                           const std::source_location& where, F&& f,
                                           Args&&... args) {
  using R = SubmitResult<F, Args...>;
  if (is_null_callable(f)) {
    return make_exceptional_future<R>(
        std::make_exception_ptr(std::system_error(target.null_task_error())));
  }
  SubmitTask<R, std::decay_t<F>, std::decay_t<Args>...> submitted(std::forward<F>(f),
                                                                  std::forward<Args>(args)...);
  Future<R> future = submitted.get_future();
  Task task(std::move(submitted));
  (void)target.post_task(task, wait, where, Refused::to_handler);
  spend_coop_budget();
  return future;
}

}  // namespace gopool::detail
