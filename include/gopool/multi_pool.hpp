// MultiPool: several Pools behind one submit point, chosen per task by a load-balancing
// strategy, so that heavy submitters contend on several small locks instead of one (ants'
// MultiPool).
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "gopool/context.hpp"
#include "gopool/detail/pool_submit.hpp"
#include "gopool/errors.hpp"
#include "gopool/export.hpp"
#include "gopool/future.hpp"
#include "gopool/pool.hpp"
#include "gopool/pool_options.hpp"

namespace gopool {

class TaskGroup;

// LoadBalancing: how a MultiPool picks the pool for a task (values as ants').
enum class LoadBalancing {
  // round_robin: the pools in turn.
  round_robin = 1 << 1,
  // least_tasks: the pool with the fewest tasks running right now (busy(); ants uses running
  // workers, which counts idle ones too).
  least_tasks = 1 << 2,
};

// IndexedCount: a per-pool counter of a MultiPool, or errc::invalid_pool_index (value -1).
struct IndexedCount {
  int value = -1;
  std::error_code error;
};

// MultiPool: `size` pools of `size_per_pool` workers each. Every member may be called from
// goroutines and foreign threads. Neither copyable nor movable; the destructor releases every
// pool and waits for their tasks (a goroutine parks, a thread waits).
class GOPOOL_API MultiPool {
 public:
  // MultiPool: throws std::system_error with errc::invalid_multi_pool_size (size <= 0),
  // errc::invalid_load_balancing_strategy (not one of LoadBalancing's values), or the errors
  // of Pool's constructor for bad options (checked in that order, as ants).
  MultiPool(int size, int size_per_pool, LoadBalancing strategy, PoolOptions options = {});
  ~MultiPool();
  MultiPool(const MultiPool&) = delete;
  MultiPool& operator=(const MultiPool&) = delete;

  // post: Pool::post() on the pool the strategy picks. Under round_robin, if that pool refuses
  // with errc::pool_overload, the least loaded pool gets one more try. errc::pool_closed after
  // release_timeout()/release(). A refused task goes once to the on_reject handler.
  // Each call records its caller's source_location (`where`) as the task's post site, as
  // Pool::post() does (submit() with arguments records none).
  template <detail::PostableTask F>
  [[nodiscard]] std::error_code post(F&& f,
                                     std::source_location where = std::source_location::current()) {
    return post_impl(detail::PoolWait{}, std::forward<F>(f), where);
  }

  // post_for: post() waiting at most `timeout` for a worker, else errc::timeout.
  template <class Rep, class Period, detail::PostableTask F>
  [[nodiscard]] std::error_code post_for(
      std::chrono::duration<Rep, Period> timeout, F&& f,
      std::source_location where = std::source_location::current()) {
    return post_impl(detail::PoolWait::until(detail::deadline_in(timeout)), std::forward<F>(f),
                     where);
  }

  // post_until: post() waiting until `deadline` at the latest, else errc::timeout.
  template <detail::PostableTask F>
  [[nodiscard]] std::error_code post_until(
      Clock::time_point deadline, F&& f,
      std::source_location where = std::source_location::current()) {
    return post_impl(detail::PoolWait::until(deadline), std::forward<F>(f), where);
  }

  // post: post() that gives up waiting for a worker when ctx is done (error: ctx.err()).
  template <detail::PostableTask F>
  [[nodiscard]] std::error_code post(const Context& ctx, F&& f,
                                     std::source_location where = std::source_location::current()) {
    return post_impl(detail::PoolWait::for_context(ctx), std::forward<F>(f), where);
  }

  // post: post() of f(args...), arguments decay-copied (as submit(f, args...)); no post site.
  template <class F, class A0, class... Args>
  requires std::invocable < std::decay_t<F>
  &, std::decay_t<A0>&,
      std::decay_t<Args>&... > [[nodiscard]] std::error_code post(F&& f, A0&& a0, Args&&... args) {
    return post_impl(
        detail::PoolWait{},
        detail::bind_call(std::forward<F>(f), std::forward<A0>(a0), std::forward<Args>(args)...),
        std::source_location{});
  }

  // try_post: Pool::try_post() on the pool the strategy picks (with the same retry as post()):
  // a refused callable comes back in the Refusal instead of going to on_reject.
  template <detail::PostableTask F>
  [[nodiscard]] Refusal<std::decay_t<F>> try_post(
      F&& f, std::source_location where = std::source_location::current()) {
    return try_post_impl(detail::PoolWait{}, std::forward<F>(f), where);
  }

  // try_post_for / try_post_until / try_post(ctx, f): try_post() with the waits of post_for(),
  // post_until() and post(ctx, f).
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

  // submit: Pool::submit() on the pool the strategy picks (with the same retry as post()).
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

  // submit_for / submit_until: submit() waiting at most `timeout` / until `deadline` for a
  // worker (then the future throws std::system_error with errc::timeout).
  template <class Rep, class Period, detail::PostableTask F>
  Future<detail::SubmitResult<F>> submit_for(
      std::chrono::duration<Rep, Period> timeout, F&& f,
      std::source_location where = std::source_location::current()) {
    return submit_impl(detail::PoolWait::until(detail::deadline_in(timeout)), where,
                       std::forward<F>(f));
  }
  template <detail::PostableTask F>
  Future<detail::SubmitResult<F>> submit_until(
      Clock::time_point deadline, F&& f,
      std::source_location where = std::source_location::current()) {
    return submit_impl(detail::PoolWait::until(deadline), where, std::forward<F>(f));
  }

  // submit: submit() that gives up waiting for a worker when ctx is done.
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

  // size: the number of pools.
  int size() const noexcept { return static_cast<int>(pools_.size()); }

  // running / busy / free / waiting / cap: the sums over all pools (see Pool).
  int running() const noexcept;
  int busy() const noexcept;
  int free() const noexcept;
  int waiting() const noexcept;
  int cap() const noexcept;

  // running_at / busy_at / free_at / waiting_at: one pool's counter; errc::invalid_pool_index
  // (and value -1) for an index outside [0, size()).
  IndexedCount running_at(int index) const noexcept;
  IndexedCount busy_at(int index) const noexcept;
  IndexedCount free_at(int index) const noexcept;
  IndexedCount waiting_at(int index) const noexcept;

  // is_closed: true after release()/release_timeout() until reboot().
  bool is_closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  // tune: tunes every pool to n workers (the total becomes size() * n). Errors as Pool::tune();
  // the first error is returned after trying every pool.
  std::error_code tune(int n);

  // release: closes every pool without waiting. Does nothing if already closed.
  void release();

  // release_timeout: closes every pool and waits (a goroutine parks, a thread waits) until all
  // their workers have exited: errc::timeout if some still run after `timeout`,
  // errc::pool_closed at once if the multi-pool was already closed.
  // A timeout beyond the clock's range waits as long as it takes.
  template <class Rep, class Period>
  std::error_code release_timeout(std::chrono::duration<Rep, Period> timeout) {
    return release_timeout_clock(detail::to_clock_duration(timeout));
  }

  // reboot: reopens a closed multi-pool and every pool in it; does nothing if open.
  void reboot();

  // wait: blocks until every accepted task of every pool has finished, without closing.
  void wait();

  // wait_for: wait() with a time limit; true if every accepted task finished in time. A limit
  // beyond the clock's range waits as long as it takes.
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) {
    return wait_until(detail::deadline_in(d));
  }
  bool wait_until(Clock::time_point deadline);

  // stats: the sums of the pools' counters (the wait quantiles and maximum are the largest of
  // the pools'). Never blocks.
  PoolStats stats() const noexcept;

  // name: the multi-pool's name (its pools are "<name>/<i>").
  const std::string& name() const noexcept { return name_; }

 private:
  friend class TaskGroup;  // posts through post_task(), keeping a refused task to itself
  std::size_t next(LoadBalancing strategy) noexcept;
  std::error_code release_timeout_clock(Clock::duration timeout);
  // Route: what the pool templates post through: one task to the pool the strategy picks.
  struct Route {
    MultiPool* multi;
    std::error_code post_task(detail::Task& task, const detail::PoolWait& wait,
                              const std::source_location& where, detail::Refused mode) {
      return multi->post_task(task, wait, where, mode);
    }
    std::error_code null_task_error() const noexcept { return multi->null_task_error(); }
  };
  std::error_code null_task_error() const noexcept;
  std::error_code post_task(detail::Task& task, const detail::PoolWait& wait,
                            const std::source_location& where, detail::Refused mode);
  template <class F>
  std::error_code post_impl(const detail::PoolWait& wait, F&& f,
                            const std::source_location& where) {
    // A closed multi-pool's pools are closed too: their acquire() refuses, so the refusal is
    // counted and goes to on_reject exactly once, as with a Pool.
    return detail::post_to(route_, wait, std::forward<F>(f), where);
  }
  template <class F, class... Args>
  Future<detail::SubmitResult<F, Args...>> submit_impl(const detail::PoolWait& wait,
                                                       const std::source_location& where, F&& f,
                                                       Args&&... args) {
    return detail::submit_to(route_, wait, where, std::forward<F>(f), std::forward<Args>(args)...);
  }
  IndexedCount at(int index, int (detail::PoolBase::*counter)() const noexcept) const noexcept;

  template <class F>
  Refusal<std::decay_t<F>> try_post_impl(const detail::PoolWait& wait, F&& f,
                                         const std::source_location& where) {
    return detail::try_post_to(route_, wait, std::forward<F>(f), where);
  }

  std::string name_;
  std::vector<std::unique_ptr<Pool>> pools_;
  Route route_{this};
  std::atomic<std::uint32_t> index_;
  std::atomic<bool> closed_{false};
  LoadBalancing strategy_;
};

}  // namespace gopool
