// PoolCore: the one implementation behind every pool kind (ants' poolCommon): capacity, the
// idle-worker queue, blocked callers, the purge, release and reboot. Private to the pool layer:
// the public headers see only an opaque PoolCore and the calls of gopool/detail/pool_base.hpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <source_location>
#include <string>
#include <system_error>
#include <vector>

#include "gopool/detail/deadline.hpp"
#include "gopool/detail/pool_base.hpp"
#include "gopool/detail/task.hpp"
#include "gopool/detail/timer.hpp"
#include "gopool/detail/wait_queue.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/errors.hpp"
#include "gopool/export.hpp"
#include "gopool/pool_options.hpp"
#include "gopool/pool_stats.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

class Context;

namespace detail {

struct PoolWorker;
class WorkerQueue;

// PoolLock: the pool's lock, held for a few dozen instructions at a time. It spins briefly,
// then gives the OS thread away (sched_yield), so that a holder preempted by the OS (more
// runnable threads than cores) does not make every other thread burn its time slice. Never
// parks a goroutine; Lockable.
class PoolLock {
 public:
  void lock() noexcept {
    if (!locked_.exchange(true, std::memory_order_acquire)) {
      return;
    }
    lock_slow();
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  void lock_slow() noexcept;
  std::atomic<bool> locked_{false};
};

// PoolGrant: what acquire() hands out: an idle worker, or the right to start a new one, or
// word that a worker has taken the task already.
struct PoolGrant {
  PoolWorker* worker = nullptr;  // the worker to hand the task to (may be null when fresh)
  bool fresh = false;            // true: start a new worker goroutine for the task
  // true: the caller blocked, and a worker that came free took its task from it (the task is
  // now empty): there is nothing to dispatch.
  bool taken = false;
  // After errc::pool_overload: true when max_blocking_tasks callers were waiting already,
  // false when the pool is full and nonblocking.
  bool waiters_full = false;
};

// PoolCore: see the file comment. Thread-safe; every member may be called from goroutines and
// foreign threads.
class PoolCore {
 public:
  // PoolCore: capacity <= 0 means unbounded. Throws std::system_error with errc::invalid_expiry,
  // invalid_pre_alloc_size, invalid_max_blocking_tasks or invalid_stack_size for bad options;
  // std::bad_alloc.
  PoolCore(int capacity, PoolOptions options);

  // ~PoolCore: release(), then waits until every worker has exited (so every accepted task has
  // finished): a goroutine parks, a thread waits.
  ~PoolCore();

  PoolCore(const PoolCore&) = delete;
  PoolCore& operator=(const PoolCore&) = delete;

  // post_task: the one call behind every post, submit and invoke. Hands task to an idle worker,
  // or starts one while under capacity, or else blocks as `wait` allows (a goroutine parks, a
  // thread waits) until a worker is free, and returns {}; the task was moved from. Or refuses
  // it (pool_closed, pool_overload, timeout, a Context's error) and returns why, doing with it
  // what `mode` says; a task that can be told why (submit()'s) is told before on_reject sees
  // it. `where` (the post site) names the task in dumps and in fatal and exception messages.
  // Throws what on_reject throws, and std::system_error or std::bad_alloc if no worker
  // goroutine can be started (the task is then destroyed without running).
  // With pass_on_overload, a pool_overload refusal is neither counted nor handled: the task
  // stays in `task` for another pool (MultiPool's retry).
  std::error_code post_task(Task& task, const PoolWait& wait, const std::source_location& where,
                            Refused mode, bool pass_on_overload = false);

  // null_task_error: the error for an empty callable: errc::pool_closed if the pool is closed
  // (as ants answers Submit(nil) on a closed pool), else errc::null_task. Counts nothing.
  std::error_code null_task_error() const noexcept;

  // Counters, read without the lock (see PoolBase for their meaning). busy() and stats() first
  // file the workers that returned without the lock (taking it only if there are any), so that
  // a task that finished is never counted as running.
  int capacity() const noexcept { return capacity_.load(std::memory_order_relaxed); }
  int running() const noexcept { return running_.load(std::memory_order_relaxed); }
  int busy() const noexcept;
  // busy_estimate: busy() without filing: may still count tasks that just finished. For load
  // balancing, where a lock per look would cost more than the estimate's error.
  int busy_estimate() const noexcept { return busy_.load(std::memory_order_relaxed); }
  int waiting() const noexcept { return waiting_.load(std::memory_order_relaxed); }
  int free() const noexcept;
  bool is_closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  PoolStats stats() const noexcept;

  // See PoolBase for these.
  std::error_code tune(int capacity);
  void release();
  std::error_code release_timeout(Clock::duration timeout);
  void reboot();
  void wait();
  bool wait_until(Clock::time_point deadline);

  // join_until: waits until every worker has exited or deadline passed; true if they did.
  bool join_until(Clock::time_point deadline);

  // shutdown: release(), then waits until every worker has exited (no time limit).
  void shutdown();

  // The pool's logger (never null).
  spdlog::logger& logger() const noexcept { return *logger_; }

  // name: the pool's name (PoolOptions::name, or "pool-<n>"); fixed for its lifetime.
  const std::string& name() const noexcept { return name_; }

 private:
  // acquire: reserves a worker for `task`: pops an idle worker, or reserves a slot for a new
  // one while under capacity, or else blocks as `wait` allows (a goroutine parks, a thread
  // waits) until a worker is free. While it blocks, a worker that comes free may take the task
  // itself (moving it out of `task`, with `where`) and wake the caller with grant.taken: one
  // wake-up instead of two, and the worker runs on without parking. On success the caller
  // must call dispatch() exactly once unless grant.taken. Errors (nothing reserved, the task
  // untouched): pool_closed, pool_overload, timeout, or the context's error; the caller must
  // then call reject() or abandon() exactly once. The pool's destructor waits until every
  // acquire() has been followed by one of those (see users_).
  std::error_code acquire(PoolGrant& grant, const PoolWait& wait, Task& task,
                          const std::source_location& where);

  // abandon: ends a refused acquire() whose task goes elsewhere (MultiPool tries another pool).
  void abandon() noexcept { leave(); }

  // dispatch: hands task to the worker that acquire() granted (starting it if fresh) and never
  // blocks. If no worker goroutine can be started, undoes the grant and throws what go() threw
  // (std::system_error) or std::bad_alloc; the task is then destroyed without running.
  // `where` (the post site) names the task in dumps and in fatal and exception messages.
  void dispatch(const PoolGrant& grant, Task&& task, const std::source_location& where);

  // reject: applies the on_reject handler to a task refused with `reason` (what acquire()
  // returned, with its grant) and counts it by cause. Whatever a custom handler throws
  // propagates.
  void reject(Task&& task, std::error_code reason, const PoolGrant& grant, std::string why,
              const std::source_location& where);
  std::string describe_refusal(std::error_code reason, const PoolGrant& grant) const;

  // hand_back: ends a refused acquire() whose task goes back to its caller (try_post): counts
  // the refusal by cause like reject(), without the on_reject handler.
  void hand_back(std::error_code reason, const PoolGrant& grant) noexcept;

  friend void register_pool(PoolCore* core) noexcept;
  friend void unregister_pool(PoolCore* core) noexcept;
  friend void for_each_pool(void (*visit)(void* ctx, const PoolCore& core), void* ctx) noexcept;
  class WaitClock;
  static constexpr int kWaitBuckets = 48;  // [2^i, 2^(i+1)) ns each: up to ~3 days
  struct Waiter;
  struct Sleeper;
  struct CallerScope;
  struct Wakeups;

  void worker_main(PoolWorker* w);
  void leave() noexcept;
  void count_refusal(std::error_code reason, const PoolGrant& grant) noexcept;
  void drain() noexcept;
  static void send_mail(PoolWorker* w, WaitState::Result mail) noexcept;
  struct IdleState {
    int spin_budget = 8;         // mailbox checks before parking (adapts)
    int parks_without_spin = 0;  // parks since the budget last was non-zero
    int unparked_streak = 0;     // tasks taken in a row without parking
  };
  static WaitState::Result wait_for_mail(PoolWorker* w, IdleState& idle) noexcept;
  // Revert: what a worker does after revert().
  enum class Revert : std::uint8_t {
    idle,       // filed as idle: wait for mail
    took_task,  // took a blocked caller's task (in w->task): run it
    leave,      // released, or the pool shrank: the worker is gone
  };
  Revert revert(PoolWorker* w);
  // take_waiting_task_locked: moves the first blocked caller's task into w and queues that
  // caller's wake-up on wk; false if nobody waits.
  bool take_waiting_task_locked(PoolWorker* w, Wakeups& wk) noexcept;
  void push_returned(PoolWorker* w) noexcept;
  void settle_locked(PoolWorker*& exits) const noexcept;
  void settle() const noexcept;
  void note_attention_locked() noexcept;
  void retire(PoolWorker* w);
  void retire_after_exception(PoolWorker* w, const std::exception_ptr& error);
  void handle_exception(const std::exception_ptr& error,
                        const std::source_location& where) noexcept;
  // wait_for_worker: acquire()'s wait; `task` and `where` are offered to the worker that comes
  // free (see acquire()).
  std::error_code wait_for_worker(PoolGrant& grant, const PoolWait& wait, Task& task,
                                  const std::source_location& where, Wakeups& wk);
  std::error_code wait_for_worker(PoolGrant& grant, const Context& context, Task& task,
                                  const std::source_location& where, Wakeups& wk);
  void enqueue_waiter_locked(Waiter* w, Wakeups& wk) noexcept;
  // withdraw: takes a caller that gave up off the waiters; false if a granter took it first.
  bool withdraw(Waiter* w) noexcept;
  bool try_take_locked(PoolGrant& grant, Wakeups& wk) noexcept;
  PoolWorker* pop_free_locked() noexcept;
  void push_free_locked(PoolWorker* w) noexcept;
  Waiter* pop_waiter_locked() noexcept;
  Waiter* grant_idle_locked() noexcept;
  Waiter* grant_spawns_locked() noexcept;
  void collect_locked(Wakeups& wk) noexcept;
  static void deliver(const Wakeups& wk) noexcept;
  static void send_exits(PoolWorker* list) noexcept;
  bool close();
  bool sleep_on(Sleeper*& list, bool (PoolCore::*done)() const noexcept,
                const Clock::time_point* deadline);
  bool idle_done() const noexcept;
  bool exit_done() const noexcept;
  void start_purge();
  void stop_purge() noexcept;
  void purge_tick() noexcept;
  static Clock::time_point coarse_now() noexcept;

  PoolOptions options_;
  std::string name_;
  std::shared_ptr<spdlog::logger> logger_;
  PoolCore* registry_prev_ = nullptr;  // links of the registry (pools/registry.cpp)
  PoolCore* registry_next_ = nullptr;

  // The lock and what only its holder writes share cache lines: the holder owns them anyway.
  // `mutable`: the const readers busy() and stats() may file returned workers (settle()).
  alignas(64) mutable PoolLock lock_;  // guards everything below that is not atomic, and every
                                       // counter's writes
  // users_: 1 for the pool itself plus one per caller of acquire() that holds no grant (it
  // waits for a worker, or was refused and is on its way to reject() or abandon()), and one per
  // caller inside wait()/wait_for()/release_timeout(); the destructor drops the 1 and waits
  // (drained_) for the rest. A caller holding a grant needs no count: its worker is busy, the
  // destructor waits for every worker to exit, and that one cannot before dispatch().
  std::atomic<std::int64_t> users_{1};
  WaitState* drained_ = nullptr;
  std::unique_ptr<WorkerQueue> idle_;
  PoolWorker* free_workers_ = nullptr;  // recycled PoolWorker structs
  WaitQueue<Waiter> waiters_;           // callers blocked in acquire(), FIFO
  Sleeper* idle_sleepers_ = nullptr;    // wait() callers: woken when busy_ drops to 0
  Sleeper* exit_sleepers_ = nullptr;    // release_timeout()/~PoolCore: woken when alive_ drops to 0
  std::atomic<int> running_{0};         // live workers, as ants counts them
  std::atomic<int> alive_{0};           // worker goroutines not yet fully gone (>= running_)
  mutable std::atomic<int> busy_{0};    // granted tasks whose worker is not filed back yet
  std::atomic<int> waiting_{0};         // callers blocked in acquire()
  mutable std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> submitted_{0};  // grants, counted with busy_

  // Read by every returning worker, written rarely: a line of their own.
  // attention_: set (under the lock) while a returned worker must not go unnoticed: callers
  // wait for a worker, wait() or release_timeout() sleep, the pool is closed or over capacity.
  // A worker that pushed itself on returned_ and then sees it takes the lock (see revert()).
  alignas(64) std::atomic<bool> attention_{false};
  std::atomic<int> capacity_;
  std::atomic<bool> closed_{false};

  // returned_: workers that finished a task and pushed themselves here without the lock
  // (newest first); whoever holds the lock next files them into idle_ (settle_locked()).
  alignas(64) mutable std::atomic<PoolWorker*> returned_{nullptr};

  std::atomic<std::uint64_t> exceptions_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> rejected_closed_{0};
  std::atomic<std::uint64_t> rejected_full_{0};
  std::atomic<std::uint64_t> rejected_waiters_{0};
  std::atomic<std::uint64_t> rejected_timeout_{0};
  std::atomic<std::uint64_t> rejected_context_{0};
  std::atomic<std::uint64_t> discarded_{0};
  std::atomic<std::uint64_t> started_{0};

  // Callers that waited for a worker (the slow path only): count, sum, histogram, maximum.
  std::atomic<std::uint64_t> waits_{0};
  std::atomic<std::int64_t> wait_ns_{0};
  std::atomic<std::int64_t> wait_max_ns_{0};
  std::atomic<std::uint64_t> wait_hist_[kWaitBuckets] = {};

  std::mutex lifecycle_mu_;  // serializes release()/reboot() (never held while parked)
  Timer purge_timer_;
  std::vector<PoolWorker*> expired_;  // scratch for purge_tick
};

}  // namespace detail
}  // namespace gopool
