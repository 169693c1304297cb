// What a pool does with a task it cannot accept (closed, overloaded, timed out): the rejected
// task itself (RejectedTask), the ready-made policies (RejectPolicy, as in Java's
// ThreadPoolExecutor), the handler a pool is configured with (RejectHandler), and what
// try_post() hands back instead (Refusal).
#pragma once

#include <concepts>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "gopool/detail/task.hpp"

namespace gopool {

// RejectedTask: a task a pool refused, handed to the pool's reject handler together with the
// reason. Move-only. The handler may run it (in its own goroutine or thread), keep it for later,
// or drop it. For a task from submit(), dropping it makes its future throw std::system_error
// with error(); running it gives the future the task's result.
class RejectedTask {
 public:
  // RejectedTask: wraps task, refused because of reason; `why` says it in a sentence.
  RejectedTask(detail::Task task, std::error_code reason, std::string why = {}) noexcept
      : task_(std::move(task)), reason_(reason), why_(std::move(why)) {}
  RejectedTask(RejectedTask&&) noexcept = default;
  RejectedTask& operator=(RejectedTask&&) noexcept = default;
  RejectedTask(const RejectedTask&) = delete;
  RejectedTask& operator=(const RejectedTask&) = delete;
  ~RejectedTask() = default;

  // error: why the pool refused the task (errc::pool_closed, pool_overload, timeout, ...).
  std::error_code error() const noexcept { return reason_; }

  // why: the same in a sentence that names the pool and the cause, e.g. `pool "http" is full
  // (capacity 8) and nonblocking` or `... and max_blocking_tasks (4) callers wait already`:
  // the two causes of pool_overload told apart. Empty if there was no memory to write it.
  const std::string& why() const noexcept { return why_; }

  // True while the task has not been run or dropped.
  explicit operator bool() const noexcept { return static_cast<bool>(task_); }

  // run: runs the task in the calling goroutine or thread, at most once; afterwards the
  // RejectedTask is empty. Whatever the task throws propagates to the caller of run().
  // Throws std::logic_error if it is empty (already run, dropped or moved from).
  void run() {
    if (!task_) {
      throw std::logic_error("gopool: RejectedTask::run() on an empty task");
    }
    detail::Task task = std::move(task_);
    task();
  }

  // drop: destroys the task without running it (what the destructor does too).
  void drop() noexcept { task_.reset(); }

  // take: hands the callable back if it is an F (the decayed type that was posted: for a
  // lambda, its closure type, so take() fits a handler that knows its tasks), moved out
  // unharmed and never run; the RejectedTask is then empty. std::nullopt, changing nothing, if
  // the task is empty or holds something else: a task from submit() or invoke() is wrapped and
  // never matches. Throws what F's move constructor throws.
  template <class F>
  std::optional<F> take() {
    F* f = task_.template target<F>();
    if (f == nullptr) return std::nullopt;
    std::optional<F> out(std::move(*f));
    task_.reset();
    return out;
  }

 private:
  detail::Task task_;
  std::error_code reason_;
  std::string why_;
};

// Refusal<F>: what try_post() (and try_invoke()) return. Empty (false) when the pool took the
// task. Otherwise it holds why the pool refused it and the callable itself, moved back
// unharmed and never run, so the caller can still use what it owns (answer 503 on the
// connection a handler owned, retry elsewhere, run it itself). Move-only if F is.
template <class F>
class Refusal {
 public:
  // Refusal: the pool took the task.
  Refusal() noexcept = default;
  // Refusal: the pool refused f with reason.
  Refusal(std::error_code reason, F&& f) : reason_(reason), task_(std::move(f)) {}

  // true when the pool refused the task.
  explicit operator bool() const noexcept { return static_cast<bool>(reason_); }

  // error: why (errc::pool_closed, pool_overload, timeout, null_task, a Context's error); {}
  // when the pool took the task.
  std::error_code error() const noexcept { return reason_; }

  // take: the refused callable, moved out (at most once). Throws std::logic_error when there is
  // none (the pool took the task, or it was taken already).
  F take() {
    if (!task_) throw std::logic_error("gopool: Refusal::take() without a refused task");
    F f = std::move(*task_);
    task_.reset();
    return f;
  }

 private:
  std::error_code reason_;
  std::optional<F> task_;
};

// RejectPolicy: the ready-made answers to a rejection. Whatever the policy, post() still
// returns the error code and the pool counts the rejection (Pool::stats()).
enum class RejectPolicy {
  // abort: the default. The task is dropped; the caller learns it from the error code (and a
  // submit() future throws std::system_error with it).
  abort,
  // caller_runs: the caller runs the task itself before post() returns, which slows the
  // producer down to the pool's pace (natural backpressure). As in Java, a task refused
  // because the pool is closed is dropped instead.
  caller_runs,
  // discard: the task is dropped silently and counted in Pool::stats().discarded.
  discard,
};

// RejectHandler: a pool's reaction to a rejection: one of the RejectPolicy values or a custom
// callback `void(RejectedTask)`, called exactly once per rejected task in the goroutine or
// thread that called post(). Converts implicitly from both, so
// `options.on_reject = RejectPolicy::caller_runs;` and `options.on_reject = [](RejectedTask t)
// {...};` both work. An empty std::function means the default (abort).
class RejectHandler {
 public:
  // The default: RejectPolicy::abort.
  RejectHandler() noexcept = default;

  // RejectHandler: one of the ready-made policies.
  RejectHandler(RejectPolicy policy) noexcept : policy_(policy) {}  // NOLINT: implicit by design

  // RejectHandler: a custom callback, called with each rejected task. Whatever it throws
  // propagates out of the post()/submit() call that was rejected. A callable of any other
  // signature is a compile error that names the one expected.
  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, RejectHandler> &&
           !std::same_as<std::remove_cvref_t<F>, RejectPolicy>)
      RejectHandler(F&& f)  // NOLINT: implicit by design
      : callback_(std::forward<F>(f)) {
    static_assert(std::is_invocable_v<std::decay_t<F>&, RejectedTask&&>,
                  "gopool: on_reject must be a RejectPolicy or callable as "
                  "void(gopool::RejectedTask) (e.g. [](gopool::RejectedTask task) { ... })");
  }

  // policy: the ready-made policy, or abort when a custom callback is set.
  RejectPolicy policy() const noexcept { return policy_; }

  // custom: true when a (non-empty) callback is set; it takes precedence over policy().
  bool custom() const noexcept { return static_cast<bool>(callback_); }

  // Calls the custom callback. Precondition: custom().
  void operator()(RejectedTask&& task) const { callback_(std::move(task)); }

 private:
  RejectPolicy policy_ = RejectPolicy::abort;
  std::function<void(RejectedTask&&)> callback_;
};

}  // namespace gopool
