// What the public pool headers see of the pool layer: an opaque PoolCore (its definition is
// private to pool/pools/), the one call the templates make into it (post_task), and PoolBase,
// the counters and lifecycle every pool kind shares.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <source_location>
#include <string>
#include <system_error>

#include "gopool/detail/deadline.hpp"
#include "gopool/detail/task.hpp"
#include "gopool/export.hpp"
#include "gopool/pool_options.hpp"
#include "gopool/pool_stats.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

class Context;

namespace detail {

class PoolCore;

// PoolWait: how long a caller may wait for a worker when the pool is full.
struct PoolWait {
  enum class Kind : std::uint8_t { forever, until, context };
  Kind kind = Kind::forever;
  Clock::time_point deadline{};
  const Context* context = nullptr;

  static PoolWait until(Clock::time_point t) noexcept { return {Kind::until, t, nullptr}; }
  static PoolWait for_context(const Context& c) noexcept { return {Kind::context, {}, &c}; }
};

// Refused: what post_task() does with a task the pool refuses.
enum class Refused : std::uint8_t {
  to_handler,  // counts it and gives it to on_reject (post, submit, invoke)
  to_caller,   // counts it and leaves it in `task` (try_post, try_invoke)
};

// post_task: the one call behind every post, submit and invoke. Hands task to an idle worker, or
// starts one while under capacity, or else blocks as `wait` allows (a goroutine parks, a thread
// waits) until a worker is free, and returns {}; the task was moved from. Or refuses it
// (pool_closed, pool_overload, timeout, a Context's error) and returns why, doing with it what
// `mode` says; a task that can be told why (submit()'s) is told before on_reject sees it.
// `where` (the post site) names the task in dumps and in fatal and exception messages. With
// pass_on_overload, a pool_overload refusal is neither counted nor handled: the task stays in
// `task` for another pool (MultiPool's retry). Throws what on_reject throws, and
// std::system_error or std::bad_alloc if no worker goroutine can be started (the task is then
// destroyed without running).
GOPOOL_API std::error_code post_task(PoolCore& core, Task& task, const PoolWait& wait,
                                     const std::source_location& where, Refused mode,
                                     bool pass_on_overload = false);

// null_task_error: the error for an empty callable: errc::pool_closed if the pool is closed (as
// ants answers Submit(nil) on a closed pool), else errc::null_task. Counts nothing.
GOPOOL_API std::error_code null_task_error(const PoolCore& core) noexcept;

// CoreTarget: a PoolCore as the pool templates (pool_submit.hpp) post to it.
struct CoreTarget {
  PoolCore* core;
  std::error_code post_task(Task& task, const PoolWait& wait, const std::source_location& where,
                            Refused mode) const {
    return detail::post_task(*core, task, wait, where, mode);
  }
  std::error_code null_task_error() const noexcept { return detail::null_task_error(*core); }
};

// PoolBase: what every pool kind shares: its core (owned, behind a pointer) and the counters and
// lifecycle calls that forward to it. Every member may be called from goroutines and threads.
class GOPOOL_API PoolBase {
 public:
  PoolBase(const PoolBase&) = delete;
  PoolBase& operator=(const PoolBase&) = delete;
  PoolBase(PoolBase&&) = delete;
  PoolBase& operator=(PoolBase&&) = delete;

  // running: live workers (busy or idle), as ants' Running().
  int running() const noexcept;

  // busy: workers running a task right now (accepted tasks not finished yet).
  int busy() const noexcept;

  // free: cap() - running(), or -1 for an unbounded pool (ants' Free()).
  int free() const noexcept;

  // waiting: callers blocked in post()/submit()/invoke() waiting for a worker.
  int waiting() const noexcept;

  // cap: the capacity, -1 for an unbounded pool.
  int cap() const noexcept;

  // is_closed: true after release() until reboot().
  bool is_closed() const noexcept;

  // stats: cumulative counters (submitted, completed, exceptions, rejected by cause, discarded,
  // workers started, how long callers waited for a worker).
  PoolStats stats() const noexcept;

  // name: the pool's name (PoolOptions::name, or "pool-<n>").
  const std::string& name() const noexcept;

  // core: the implementation, for the library's own code (debug, MultiPool).
  PoolCore& core() const noexcept { return *core_; }

  // tune: changes the capacity to n. Growing lets blocked callers proceed at once; shrinking
  // is lazy (surplus workers exit as they finish their task). Never blocks. Errors, changing
  // nothing: errc::invalid_capacity for n <= 0, errc::capacity_not_tunable for an unbounded or
  // pre_alloc pool (ants ignores those calls silently).
  std::error_code tune(int n);

  // release: closes the pool: idle workers exit, blocked callers get errc::pool_closed, later
  // posts are rejected with it; tasks already accepted still run to the end. Never blocks.
  // Calling it on a closed pool does nothing.
  void release();

  // release_timeout: release(), then waits until every worker has exited (a goroutine parks, a
  // thread waits). errc::timeout if some are still running after `timeout`; errc::pool_closed,
  // without waiting, if the pool was already closed (as ants).
  // A timeout beyond the clock's range waits as long as it takes.
  template <class Rep, class Period>
  std::error_code release_timeout(std::chrono::duration<Rep, Period> timeout) {
    return release_timeout_clock(to_clock_duration(timeout));
  }

  // reboot: reopens a released pool (restarting its purge); does nothing on an open pool.
  // Workers still finishing from before are reused. Never blocks.
  void reboot();

  // wait: blocks until every accepted task has finished (a goroutine parks, a thread waits),
  // without closing the pool. Tasks posted meanwhile are waited for too. Calling it from a task
  // of the same pool deadlocks, as it waits for itself.
  void wait();

  // wait_for: wait() with a time limit; true if every accepted task finished in time.
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) {
    return wait_until(deadline_in(d));
  }
  bool wait_until(Clock::time_point deadline);

 protected:
  // PoolBase: builds the core; throws what PoolCore's constructor throws (see Pool).
  PoolBase(int capacity, PoolOptions options);
  // ~PoolBase: shutdown() if the derived destructor did not, then frees the core.
  ~PoolBase();

  // shutdown: release(), then waits until every worker has exited (no time limit); the derived
  // destructors call it while their own members (PoolWithFunc's function) are still alive.
  void shutdown();

  // target: the core as the pool templates post to it.
  CoreTarget target() const noexcept { return CoreTarget{core_.get()}; }

 private:
  std::error_code release_timeout_clock(Clock::duration timeout);

  struct CoreDelete {
    void operator()(PoolCore* core) const noexcept;
  };
  std::unique_ptr<PoolCore, CoreDelete> core_;
};

}  // namespace detail
}  // namespace gopool
