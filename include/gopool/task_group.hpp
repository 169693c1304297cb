// TaskGroup: tasks working on parts of one job, as Go's errgroup (golang.org/x/sync/errgroup)
// with its context: they run on a pool, at most `limit` at once; the first failure cancels the
// group's Context and stops the tasks that have not started; wait() returns the first error.
//
//   gopool::TaskGroup g(pool, parent_ctx);
//   g.set_limit(8);
//   for (const Url& u : urls)
//     g.go([&, u](const gopool::Context& ctx) { return fetch(ctx, u); });  // error_code or void
//   std::error_code first = g.wait();
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <exception>
#include <source_location>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "gopool/context.hpp"
#include "gopool/detail/goroutine_info.hpp"
#include "gopool/detail/pool_submit.hpp"
#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/task.hpp"
#include "gopool/detail/wait_queue.hpp"
#include "gopool/errors.hpp"
#include "gopool/export.hpp"

namespace gopool {

class Pool;
class MultiPool;

// GroupTask: what TaskGroup::go() accepts: a callable invocable as f(const Context&) (it gets
// the group's context) or as f(), returning void or something convertible to std::error_code
// (a non-empty one is a failure). A callable that fits both forms gets the context.
template <class F>
concept GroupTask =
    (std::invocable<std::decay_t<F>&, const Context&> &&
     (std::is_void_v<std::invoke_result_t<std::decay_t<F>&, const Context&>> ||
      std::is_convertible_v<std::invoke_result_t<std::decay_t<F>&, const Context&>,
                            std::error_code>)) ||
    (!std::invocable<std::decay_t<F>&, const Context&> && std::invocable<std::decay_t<F>&> &&
     (std::is_void_v<std::invoke_result_t<std::decay_t<F>&>> ||
      std::is_convertible_v<std::invoke_result_t<std::decay_t<F>&>, std::error_code>));

// TaskGroupStats: what became of the tasks a group took. accepted = succeeded + failed +
// cancelled + refused + the tasks still active.
struct TaskGroupStats {
  std::uint64_t accepted = 0;   // tasks go() and try_go() took
  std::uint64_t succeeded = 0;  // ran and returned void or an empty error_code
  std::uint64_t failed = 0;     // ran and returned a non-empty error_code, or threw
  std::uint64_t cancelled = 0;  // never started: the group was stopped before their turn
  std::uint64_t refused = 0;    // never started: the pool refused them (an error of the group)
};

namespace detail {

// GroupOutcome: how one of a group's tasks ended, as the group accounts for it.
struct GroupOutcome {
  enum class Kind : std::uint8_t {
    succeeded,
    failed,     // error or exception
    cancelled,  // not started: error is the stopped group's context error
    refused,    // not started: error is the pool's refusal
    withdrawn,  // not taken after all (try_go found the pool full, or go() threw)
  };
  Kind kind = Kind::succeeded;
  std::error_code error;
  std::exception_ptr exception;
};

// run_group_task: calls f as GroupTask says and turns what it returns or throws into an
// outcome. Never throws.
template <class F>
GroupOutcome run_group_task(F& f, const Context& ctx) noexcept {
  try {
    std::error_code ec;
    if constexpr (std::invocable<F&, const Context&>) {
      if constexpr (std::is_void_v<std::invoke_result_t<F&, const Context&>>) {
        f(ctx);
      } else {
        ec = f(ctx);
      }
    } else {
      if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        f();
      } else {
        ec = f();
      }
    }
    if (ec) return {GroupOutcome::Kind::failed, ec, nullptr};
    return {};
  } catch (...) {
    return {GroupOutcome::Kind::failed, {}, std::current_exception()};
  }
}

}  // namespace detail

// TaskGroup: a group of tasks run on a pool (default_pool() unless given one), as Go's errgroup
// with WithContext and SetLimit. The group has its own Context, a child of the parent given to
// the constructor: it is cancelled when a task fails (returns a non-empty error_code or
// throws), when the parent is done, and when wait() returns. Every member may be called from
// goroutines and from threads outside the runtime. Neither copyable nor movable; the pool must
// outlive the group.
//
// Every task go() or try_go() takes runs exactly once, or is cancelled before it starts, and
// wait() accounts for each (stats()):
//   - Cancel before start: a task does not start once the group is stopped, that is, once a
//     task has failed or the parent context is done (Go's errgroup runs it anyway). It is
//     counted as cancelled; if nothing failed yet, the parent's error (context_errc::canceled
//     or deadline_exceeded) becomes the group's error, so wait() returns {} only if every task
//     ran and succeeded. wait() itself cancels context() but does not stop the group: tasks
//     given afterwards run (the group may be reused, as in Go).
//   - A task the pool refuses (pool_closed; a nonblocking pool's pool_overload) is an error of
//     the group, reported once: the first error wins, as for a failure, and the group stops.
//     The refusal never reaches the pool's on_reject handler.
//
// Nesting rule: a task that waits for other tasks of the same pool (pool.post() and a
// Future, a TaskGroup of its own on that pool, a pool.wait()) holds its worker while it waits.
// Such tasks cannot deadlock the pool as long as they can never fill it: give their group a
// limit below the pool's capacity (limit < cap()), leaving cap() - limit workers to the tasks
// they wait for; with several levels of waiting tasks, the limits of every level that waits
// must add up to less than the capacity. The leaf tasks (which wait for nothing) need no limit.
// A task must not call go() on its own group at the limit (it would wait for a slot held by
// itself and its siblings): it may call try_go().
class GOPOOL_API TaskGroup {
 public:
  // TaskGroup: a group on default_pool() whose context is a child of background(). Throws
  // std::bad_alloc.
  TaskGroup();
  // TaskGroup: a group on default_pool() whose context is a child of parent.
  explicit TaskGroup(const Context& parent);
  // TaskGroup: a group whose tasks run on pool (which must outlive the group).
  explicit TaskGroup(Pool& pool, const Context& parent = Context());
  // TaskGroup: a group whose tasks run on a MultiPool (which must outlive the group).
  explicit TaskGroup(MultiPool& pool, const Context& parent = Context());

  // ~TaskGroup: waits until every task the group took has finished or been cancelled (a
  // goroutine parks, a thread waits), then cancels context(). Never throws; an error or
  // exception nobody asked wait() for is dropped. Must not run inside one of the group's tasks.
  ~TaskGroup();

  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  TaskGroup(TaskGroup&&) = delete;
  TaskGroup& operator=(TaskGroup&&) = delete;

  // go: runs f on the group's pool (Go's Group.Go). At the group's limit it blocks the caller
  // (a goroutine parks, a thread waits) until one of the group's tasks ends, FIFO; then, if
  // the pool is full, until the pool has a worker. A wait of either kind ends early when the
  // group stops (a failure, or the parent done): f is then cancelled before start. Returns
  // once f is taken; f runs later (see the class comment for failures and cancellation). f is
  // decay-copied into the task and destroyed before the group counts the task as ended.
  // Throws std::system_error with errc::null_task for a null function pointer or an empty
  // std::function (nothing changes), and std::bad_alloc or std::system_error if no task or
  // worker could be made (nothing changes). `where` names the task in dumps and messages.
  template <GroupTask F>
  void go(F&& f, std::source_location where = std::source_location::current()) {
    if (detail::is_null_callable(f)) throw_null_task();
    detail::Task task(Runner<std::decay_t<F>>{this, std::decay_t<F>(std::forward<F>(f))});
    if (enter(true) == Entry::ok) dispatch(task, where, true);
  }

  // try_go: go() that never blocks (Go's Group.TryGo): false, with nothing changed and f not
  // run, when the group is at its limit or the pool has no free worker now. true when the
  // group took f: it runs, or is cancelled before start (the group is stopped), or the pool's
  // refusal (pool_closed) becomes the group's error. Throws as go().
  template <GroupTask F>
  [[nodiscard]] bool try_go(F&& f, std::source_location where = std::source_location::current()) {
    if (detail::is_null_callable(f)) throw_null_task();
    detail::Task task(Runner<std::decay_t<F>>{this, std::decay_t<F>(std::forward<F>(f))});
    switch (enter(false)) {
      case Entry::ok:
        return dispatch(task, where, false);
      case Entry::cancelled:
        return true;
      case Entry::full:
        break;
    }
    return false;
  }

  // wait: blocks (a goroutine parks, a thread waits) until every task the group took has
  // ended, including callers still blocked in go(); then cancels context() and returns the
  // first error: {} if there was none, a task's error_code, the pool's refusal, or the
  // parent's error when tasks were cancelled before start by it. If the first failure was an
  // exception, rethrows it. Calling it again returns (or rethrows) the same. Tasks given while
  // it waits are waited for too. Deadlocks if called inside one of the group's tasks.
  std::error_code wait();

  // context: the group's context (Go's ctx from WithContext): done once a task fails, the
  // parent is done, or wait() has returned. Tasks taking a `const Context&` get it.
  const Context& context() const noexcept { return ctx_; }

  // set_limit: at most n of the group's tasks run (or wait for a worker) at once; n < 0 means
  // no limit (the default). A limit at or above the pool's capacity leaves the limiting to the
  // pool. Never blocks. Throws std::system_error, changing nothing: errc::invalid_group_limit
  // for n == 0 (a group that could never start a task: Go's every Go would block forever);
  // errc::group_active while any task of the group is active or a caller waits in go() (Go
  // panics). Threads and goroutines may call it.
  void set_limit(int n);

  // limit: the limit, -1 if none.
  int limit() const noexcept;

  // set_name: names the group in the dumps (a goroutine running one of its tasks shows it);
  // an empty name restores the default, "group#<n>" for the n-th group. Throws
  // std::system_error with errc::group_active, changing nothing, while tasks are active (a
  // running task shows the name), and std::bad_alloc.
  void set_name(std::string name);

  // name: the group's name. The reference is stable until set_name() changes it, which only
  // happens while no task is active.
  const std::string& name() const noexcept { return name_; }

  // active: tasks taken and not yet ended, plus callers blocked in go() (a snapshot).
  std::int64_t active() const noexcept;

  // stats: what became of the tasks so far (a snapshot). Never blocks.
  TaskGroupStats stats() const noexcept;

 private:
  enum class Entry : std::uint8_t { ok, full, cancelled };
  struct SlotWaiter;
  struct DoneWaiter;
  // PostFn: hands task to the pool behind `pool`, waiting for a worker as `wait` allows.
  // Returns {} when a worker took it, else the refusal (the task stays in `task`, and never
  // reaches the pool's on_reject handler).
  using PostFn = std::error_code (*)(void* pool, detail::Task& task, const detail::PoolWait& wait,
                                     const std::source_location& where);

  // Runner: the task the pool runs: f, unless the group stopped first; f is destroyed before
  // the group hears how it ended (the group may be gone right after).
  template <class F>
  struct Runner {
    TaskGroup* group;
    F f;
    void operator()() noexcept {
      TaskGroup* g = group;
      detail::GroupOutcome outcome;
      try {
        F fn = std::move(f);
        if (g->start_task(outcome)) {
          outcome = detail::run_group_task(fn, g->ctx_);
          detail::set_goroutine_group(nullptr);  // before the group (and its name) may go
        }
      } catch (...) {  // f's move threw: f did not run
        detail::set_goroutine_group(nullptr);
        outcome = {detail::GroupOutcome::Kind::failed, {}, std::current_exception()};
      }
      g->finish(std::move(outcome), true);
    }
  };

  TaskGroup(void* pool, PostFn post, const Context& parent);
  static std::error_code post_on_multi_pool(void* pool, detail::Task& task,
                                            const detail::PoolWait& wait,
                                            const std::source_location& where);
  [[noreturn]] static void throw_null_task();
  // enter: counts a task in and takes a slot under the limit (waiting for one if may_wait);
  // `cancelled` (counted out again) when the group is stopped first.
  Entry enter(bool may_wait);
  Entry wait_for_slot();
  // dispatch: posts a task that holds a slot; false (counted out) if it was not taken after
  // all because the pool had no free worker and `may_wait` was false.
  bool dispatch(detail::Task& task, const std::source_location& where, bool may_wait);
  // start_task: true if the task may run (the group is not stopped), and shows the group in
  // the dumps; else fills outcome with the cancellation.
  bool start_task(detail::GroupOutcome& outcome) noexcept;
  // finish: counts a task out; the last touch of *this. Takes the outcome's exception (kept as
  // the first failure, or destroyed before the count drops).
  void finish(detail::GroupOutcome outcome, bool holds_slot) noexcept;
  // record_locked: keeps the first error; true if this was it.
  bool record_locked(detail::GroupOutcome& outcome) noexcept;
  std::uint64_t freeze_locked() noexcept;
  void thaw_locked() noexcept;
  DoneWaiter* count_out_locked() noexcept;
  void wait_idle() noexcept;
  static void on_stop(detail::ContextWaiter* self, std::error_code why) noexcept;

  void* pool_;
  PostFn post_;
  Context stop_;  // done when the group stops: a failure, or the parent done
  Context ctx_;   // context(): a child of stop_, also cancelled by wait()
  std::string name_;
  std::uint64_t id_;
  // Set with failed_ (under mu_), read without: a task that starts after a failure was
  // recorded does not run, even before the failure's cancel of stop_ has gone through.
  std::atomic<bool> stopped_{false};

  // The counts that every go() and every task's end change, in one word on a line of their own,
  // so that the common case is one CAS rather than a lock's round trip (and no spinning behind a
  // holder the kernel preempted): bits 0-30 the slots taken (tasks holding one), bit 31 kSlow,
  // bits 32-63 the active count (tasks taken and not ended, and callers blocked in go()). While
  // kSlow is set (somebody waits for a slot or for the end, or mu_'s holder is reading the
  // counts) the word changes under mu_ only.
  alignas(64) std::atomic<std::uint64_t> state_{0};
  std::atomic<std::uint64_t> accepted_{0};   // TaskGroupStats::accepted
  std::atomic<std::uint64_t> succeeded_{0};  // TaskGroupStats::succeeded
  std::atomic<int> limit_{-1};               // written under mu_ while no task is active
  mutable detail::SpinLock mu_;              // guards everything below, and state_ as above

  alignas(64) TaskGroupStats stats_;  // failed, cancelled and refused (the rest: atomics above)
  std::error_code error_;             // the first failure, if an error code
  std::exception_ptr exception_;      // the first failure, if an exception
  bool failed_ = false;
  detail::WaitQueue<SlotWaiter> slot_waiters_;  // callers of go() waiting for a slot, FIFO
  DoneWaiter* done_waiters_ = nullptr;          // callers of wait() and the destructor
};

}  // namespace gopool
