// PoolCore: the shared implementation of every pool kind (ants' poolCommon + goWorker).
//
// Locking: one PoolLock (a spin lock) guards the idle queue, the waiter lists, the free
// PoolWorker list and every counter write (counters are atomics only so that they can be read
// without the lock). Nobody parks or calls user code while holding it, and only the idle
// stack's and the purge's vectors may allocate under it. Wake-ups are collected under the lock
// and delivered after it is released, exit sleepers last: once they run, the pool may be
// destroyed, so nothing touches `this` after waking them.
//
// A worker that finished its task does not take the lock: it pushes itself on `returned_` (one
// CAS), and the next holder of the lock files the returned workers into the idle queue in order
// (settle_locked()). The poster and the workers then no longer fight over the lock's cache line
// once per task each. Whenever a returned worker must be seen at once (callers blocked for a
// worker, wait(), a closed or shrunk pool), `attention_` is set first and the list settled
// after; a worker checks `attention_` after its push and settles itself if set. Both sides use
// seq_cst, so one of them always sees the other (a Dekker pair).
#include "pools/pool_core.hpp"

#include <cxxabi.h>
#include <sched.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <utility>

#include "gopool/chan.hpp"
#include "gopool/context.hpp"
#include "gopool/detail/cpu_relax.hpp"
#include "gopool/detail/deadline.hpp"
#include "gopool/detail/goroutine_info.hpp"
#include "gopool/select.hpp"
#include "pools/pool_core_parts.hpp"
#include "pools/registry.hpp"
#include "pools/worker.hpp"
#include "pools/worker_queue.hpp"
#include "pools/worker_ring.hpp"
#include "pools/worker_stack.hpp"

namespace gopool::detail {
namespace {

constexpr std::size_t kMinStack = std::size_t{16} * 1024;
constexpr std::size_t kMaxStack = std::size_t{1} << 30;
constexpr std::size_t kStackReserveLimit = 4096;  // idle slots reserved up front (no pre_alloc)
constexpr int kLockSpins = 100;  // pauses before a waiter for the pool lock yields its thread

std::shared_ptr<spdlog::logger> shared_logger() {
  if (auto existing = spdlog::get("gopool")) {
    return existing;
  }
  try {
    return spdlog::stderr_color_mt("gopool");
  } catch (const spdlog::spdlog_ex&) {
    return spdlog::get("gopool");  // registered by someone else meanwhile
  }
}

[[noreturn]] void throw_errc(errc e) {
  throw std::system_error(make_error_code(e));
}

// The readable name of a type: "std::runtime_error", not "St13runtime_error".
std::string demangle(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

}  // namespace

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return demangle(typeid(e)) + ": " + e.what();
  } catch (...) {
    return "an exception of unknown type";
  }
}

std::string describe(const std::source_location& where) {
  if (where.line() == 0) return "an unknown site";
  return std::string(where.file_name()) + ':' + std::to_string(where.line()) + " (" +
         where.function_name() + ')';
}

// Waiter: a caller blocked in acquire(), on its own stack. Filled in by whoever grants it a
// worker (or closes the pool) under the lock, then woken. A wake-up proves nothing by itself:
// the caller believes only `outcome`, and only once its WaitState holds a result (or, for a
// Context wait, once `signal` is closed).
struct PoolCore::Waiter {
  enum Outcome : std::uint8_t { waiting, granted, closed };
  WaitState ws;
  Chan<std::monostate>* signal = nullptr;  // set: notify by closing it (a Context wait)
  Waiter* prev = nullptr;                  // WaitQueue links; `next` also chains a Wakeups list
  Waiter* next = nullptr;
  bool queued = false;
  Outcome outcome = waiting;  // written under the lock before the wake
  PoolGrant grant;            // granted: a worker, or grant.taken (a worker took *task)
  // The caller's task and its post site, in the caller's frame: a worker that comes free
  // while the caller is queued moves the task out under the lock (take_waiting_task_locked()).
  Task* task = nullptr;
  const std::source_location* where = nullptr;
};

// Sleeper: a caller of wait(), release_timeout() or the destructor, on its own stack.
struct PoolCore::Sleeper {
  WaitState ws;
  Sleeper* next = nullptr;
};

// CallerScope: ends a caller's stay in the pool (see users_) when it goes out of scope.
struct PoolCore::CallerScope {
  PoolCore* core;
  ~CallerScope() { core->leave(); }
};

// WaitClock: times one caller's wait for a worker, whatever its outcome, into the pool's wait
// counters. Only callers that found the pool full pay for the two clock reads. A caller whose
// task a worker took must stop() it before leave(): the pool may be gone right after.
class PoolCore::WaitClock {
 public:
  explicit WaitClock(PoolCore* core) noexcept : core_(core), began_(Clock::now()) {}
  WaitClock(const WaitClock&) = delete;
  WaitClock& operator=(const WaitClock&) = delete;
  ~WaitClock() {
    if (core_ != nullptr) {
      stop();
    }
  }

  // stop: records the wait now; nothing of the pool is touched afterwards.
  void stop() noexcept {
    const std::int64_t ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - began_).count();
    const auto u = static_cast<std::uint64_t>(ns > 0 ? ns : 1);
    const int bucket = std::min(63 - __builtin_clzll(u), kWaitBuckets - 1);
    core_->wait_hist_[bucket].fetch_add(1, std::memory_order_relaxed);
    core_->wait_ns_.fetch_add(ns, std::memory_order_relaxed);
    core_->waits_.fetch_add(1, std::memory_order_relaxed);
    std::int64_t max = core_->wait_max_ns_.load(std::memory_order_relaxed);
    while (ns > max &&
           !core_->wait_max_ns_.compare_exchange_weak(max, ns, std::memory_order_relaxed)) {
    }
    core_ = nullptr;
  }

 private:
  PoolCore* core_;
  Clock::time_point began_;
};

PoolCore::PoolCore(int capacity, PoolOptions options)
    : options_(std::move(options)), capacity_(capacity <= 0 ? -1 : capacity) {
  if (!options_.disable_purge) {
    if (options_.expiry < std::chrono::nanoseconds::zero()) {
      throw_errc(errc::invalid_expiry);
    }
    if (options_.expiry == std::chrono::nanoseconds::zero()) {
      options_.expiry = std::chrono::seconds(1);
    }
  }
  if (options_.max_blocking_tasks < 0) {
    throw_errc(errc::invalid_max_blocking_tasks);
  }
  if (options_.stack_size != 0 &&
      (options_.stack_size < kMinStack || options_.stack_size > kMaxStack)) {
    throw_errc(errc::invalid_stack_size);
  }
  const int cap = capacity_.load(std::memory_order_relaxed);
  if (options_.pre_alloc) {
    if (cap < 0) {
      throw_errc(errc::invalid_pre_alloc_size);
    }
    idle_ = std::make_unique<WorkerRing>(static_cast<std::size_t>(cap));
  } else {
    idle_ = std::make_unique<WorkerStack>(
        cap < 0 ? 0 : std::min(static_cast<std::size_t>(cap), kStackReserveLimit));
  }
  logger_ = options_.logger ? options_.logger : shared_logger();
  name_ = options_.name.empty() ? next_pool_name() : options_.name;
  start_purge();
  register_pool(this);
}

PoolCore::~PoolCore() {
  shutdown();
  drain();
  unregister_pool(this);
  while (free_workers_ != nullptr) {
    PoolWorker* next = free_workers_->next_free;
    delete free_workers_;
    free_workers_ = next;
  }
}

void PoolCore::shutdown() {
  release();
  sleep_on(exit_sleepers_, &PoolCore::exit_done, nullptr);
}

void PoolCore::drain() noexcept {
  // Callers woken by close() may still be on their way out (a rejected task goes to on_reject,
  // which may run it): wait until the last of them has made its last touch of *this.
  WaitState me;
  drained_ = &me;
  if (users_.fetch_sub(1, std::memory_order_acq_rel) != 1) {
    (void)me.wait(WaitReason::wait_group);
  }
}

void PoolCore::leave() noexcept {
  // While the pool lives, users_ counts its own reference too, so only a caller that leaves
  // after drain() dropped that reference sees 1 here; drain() waits for it, so drained_ is
  // still valid. Nothing of *this is touched after the decrement otherwise.
  if (users_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    drained_->wake(kWoken);
  }
}

// ---------------------------------------------------------------------------------------------
// Taking a worker (the caller side)

bool PoolCore::try_take_locked(PoolGrant& grant, Wakeups& wk) noexcept {
  if (returned_.load(std::memory_order_relaxed) != nullptr) {
    settle_locked(wk.exits);  // the most recently returned worker is the warmest
  }
  if (PoolWorker* w = idle_->detach()) {
    bump(busy_, 1);
    bump(submitted_);
    grant = {w, false};
    return true;
  }
  const int cap = capacity_.load(std::memory_order_relaxed);
  if (cap < 0 || running_.load(std::memory_order_relaxed) < cap) {
    bump(running_, 1);
    bump(alive_, 1);
    bump(busy_, 1);
    bump(submitted_);
    grant = {pop_free_locked(), true};
    return true;
  }
  return false;
}

std::error_code PoolCore::acquire(PoolGrant& grant, const PoolWait& wait, Task& task,
                                  const std::source_location& where) {
  Wakeups wk;
  lock_.lock();
  if (closed_.load(std::memory_order_relaxed)) {
    users_.fetch_add(1, std::memory_order_relaxed);  // until reject() or abandon()
    lock_.unlock();
    return errc::pool_closed;
  }
  if (try_take_locked(grant, wk)) {
    // Not counted in users_: the granted worker is busy, so the destructor waits for it, and
    // it cannot finish before dispatch() handed it the task (see users_).
    lock_.unlock();
    deliver(wk);
    return {};
  }
  users_.fetch_add(1, std::memory_order_relaxed);  // until granted, reject() or abandon()
  if (options_.nonblocking ||
      (options_.max_blocking_tasks > 0 &&
       waiting_.load(std::memory_order_relaxed) >= options_.max_blocking_tasks)) {
    lock_.unlock();
    deliver(wk);
    grant.waiters_full = !options_.nonblocking;
    return errc::pool_overload;
  }
  return wait_for_worker(grant, wait, task, where, wk);  // unlocks
}

bool PoolCore::withdraw(Waiter* w) noexcept {
  // Under the lock, `queued` tells whether a granter took w meanwhile (its wake is then on the
  // way, and the caller must wait for it) or w is still queued and leaves now.
  lock_.lock();
  const bool queued = w->queued;
  if (queued) {
    waiters_.remove(w);
    bump(waiting_, -1);
    note_attention_locked();
  }
  lock_.unlock();
  return queued;
}

void PoolCore::enqueue_waiter_locked(Waiter* w, Wakeups& wk) noexcept {
  waiters_.push(w);
  bump(waiting_, 1);
  collect_locked(wk);  // sets attention_, then files returned workers: w may get one at once
}

std::error_code PoolCore::wait_for_worker(PoolGrant& grant, const PoolWait& wait, Task& task,
                                          const std::source_location& where, Wakeups& wk) {
  // Called with the lock held, the pool open and full.
  if (wait.kind == PoolWait::Kind::until && wait.deadline <= Clock::now()) {
    lock_.unlock();
    deliver(wk);
    return errc::timeout;
  }
  if (wait.kind == PoolWait::Kind::context) {
    return wait_for_worker(grant, *wait.context, task, where, wk);
  }
  WaitClock clock(this);
  Waiter me;
  me.task = &task;
  me.where = &where;
  enqueue_waiter_locked(&me, wk);
  lock_.unlock();
  deliver(wk);  // may already grant `me`: the wait below then returns at once

  const Clock::time_point deadline =
      wait.kind == PoolWait::Kind::forever ? kForever : wait.deadline;
  if (me.ws.wait_until(deadline, WaitReason::pool_submit) == WaitState::kPending) {
    if (withdraw(&me)) return errc::timeout;
    (void)me.ws.wait(WaitReason::pool_submit);  // granted meanwhile: the wake is on its way
  }
  if (me.outcome == Waiter::closed) {
    return errc::pool_closed;
  }
  grant = me.grant;
  clock.stop();
  // A grant keeps the pool alive from here (see acquire()); a taken task does not: its worker
  // may finish it and the pool go at once. Either way, nothing of *this is touched after.
  leave();
  return {};
}

std::error_code PoolCore::wait_for_worker(PoolGrant& grant, const Context& context, Task& task,
                                          const std::source_location& where, Wakeups& wk) {
  // As above, but the caller also gives up when the context is done. The context can only be
  // watched through its done() channel, so this waiter is told about its grant by closing a
  // channel of its own instead of an unpark, and waits on both channels with select. Only
  // callers that really block pay for the channel.
  if (std::error_code done = context.err()) {
    lock_.unlock();
    deliver(wk);
    return done;
  }
  lock_.unlock();
  deliver(wk);
  wk = Wakeups{};
  WaitClock clock(this);
  Chan<std::monostate> signal;  // may throw std::bad_alloc: nothing is enqueued yet
  Waiter me;
  me.signal = &signal;
  me.task = &task;
  me.where = &where;
  lock_.lock();
  if (closed_.load(std::memory_order_relaxed)) {
    lock_.unlock();
    return errc::pool_closed;
  }
  if (try_take_locked(grant, wk)) {  // a worker freed up while the lock was released
    lock_.unlock();
    deliver(wk);
    leave();
    return {};
  }
  enqueue_waiter_locked(&me, wk);
  lock_.unlock();
  deliver(wk);

  const std::size_t fired = select(on_recv(signal), on_recv(context.done()));
  if (fired == 1) {
    if (withdraw(&me)) {
      std::error_code done = context.err();
      return done ? done : make_error_code(errc::timeout);
    }
    (void)signal.recv();  // granted meanwhile: its close is on its way
  }
  if (me.outcome == Waiter::closed) {
    return errc::pool_closed;
  }
  grant = me.grant;
  clock.stop();
  leave();  // the last touch of *this (see above)
  return {};
}

PoolCore::Waiter* PoolCore::pop_waiter_locked() noexcept {
  Waiter* w = waiters_.front();
  if (w != nullptr) {
    waiters_.remove(w);
    bump(waiting_, -1);
  }
  return w;
}

bool PoolCore::take_waiting_task_locked(PoolWorker* w, Wakeups& wk) noexcept {
  Waiter* waiter = waiters_.front();  // every queued caller offers its task (acquire())
  if (waiter == nullptr) {
    return false;
  }
  (void)pop_waiter_locked();
  w->task = std::move(*waiter->task);
  w->site = *waiter->where;
  bump(submitted_);
  bump(completed_);  // the task w just ran; w stays busy with the next
  waiter->grant = PoolGrant{};
  waiter->grant.taken = true;
  waiter->outcome = Waiter::granted;
  waiter->next = wk.waiters;
  wk.waiters = waiter;
  return true;
}

PoolCore::Waiter* PoolCore::grant_idle_locked() noexcept {
  // Idle workers to blocked callers, FIFO; a worker returned while they waited is filed first.
  Waiter* list = nullptr;
  Waiter** tail = &list;
  while (!waiters_.empty()) {
    PoolWorker* w = idle_->detach();
    if (w == nullptr) {
      break;
    }
    Waiter* waiter = pop_waiter_locked();
    bump(busy_, 1);
    bump(submitted_);
    waiter->grant = {w, false};
    waiter->outcome = Waiter::granted;
    waiter->next = nullptr;
    *tail = waiter;
    tail = &waiter->next;
  }
  return list;
}

PoolCore::Waiter* PoolCore::grant_spawns_locked() noexcept {
  Waiter* list = nullptr;
  Waiter** tail = &list;
  const int cap = capacity_.load(std::memory_order_relaxed);
  while (!waiters_.empty() && (cap < 0 || running_.load(std::memory_order_relaxed) < cap)) {
    Waiter* w = pop_waiter_locked();
    bump(running_, 1);
    bump(alive_, 1);
    bump(busy_, 1);
    bump(submitted_);
    w->grant = {pop_free_locked(), true};
    w->outcome = Waiter::granted;
    *tail = w;
    tail = &w->next;
  }
  return list;
}

void PoolCore::dispatch(const PoolGrant& grant, Task&& task, const std::source_location& where) {
  // Nothing of *this is touched once the worker has its task: it may then finish, and the pool
  // go, before this returns.
  PoolWorker* w = grant.worker;
  if (!grant.fresh) {
    w->task = std::move(task);
    w->site = where;
    send_mail(w, PoolWorker::kTask);
    return;
  }
  started_.fetch_add(1, std::memory_order_relaxed);  // not after go(): see above
  try {
    if (w == nullptr) {
      w = new PoolWorker;
    }
    w->core = this;
    w->task = std::move(task);
    w->site = where;
    go(
        GoOptions{options_.stack_size}, [w] { w->core->worker_main(w); }, where);
  } catch (...) {
    Wakeups wk;
    if (w != nullptr) {
      w->task.reset();
    }
    started_.fetch_sub(1, std::memory_order_relaxed);
    lock_.lock();
    bump(running_, -1);
    bump(alive_, -1);
    bump(busy_, -1);
    submitted_.store(submitted_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    if (w != nullptr) {
      push_free_locked(w);
    }
    collect_locked(wk);
    lock_.unlock();
    logger_->error("gopool: cannot start a pool worker: {}", describe(std::current_exception()));
    deliver(wk);
    throw;
  }
}

std::error_code PoolCore::post_task(Task& task, const PoolWait& wait,
                                    const std::source_location& where, Refused mode,
                                    bool pass_on_overload) {
  PoolGrant grant;
  const std::error_code ec = acquire(grant, wait, task, where);
  if (!ec) {
    if (!grant.taken) {
      dispatch(grant, std::move(task), where);
    }
    return {};
  }
  if (pass_on_overload && ec == errc::pool_overload) {
    abandon();
  } else if (mode == Refused::to_caller) {
    hand_back(ec, grant);
  } else {
    std::string why;
    try {
      why = describe_refusal(ec, grant);
    } catch (...) {
      why.clear();  // no memory: the code alone must do
    }
    task.refuse(ec, why.c_str());
    reject(std::move(task), ec, grant, std::move(why), where);
  }
  return ec;
}

std::string PoolCore::describe_refusal(std::error_code reason, const PoolGrant& grant) const {
  const std::string pool = "pool \"" + name_ + "\"";
  if (reason == errc::pool_closed) return pool + " is closed (released)";
  if (reason == errc::pool_overload) {
    const std::string full = pool + " is full (capacity " + std::to_string(capacity()) + ")";
    if (!grant.waiters_full) return full + " and nonblocking";
    return full + " and max_blocking_tasks (" + std::to_string(options_.max_blocking_tasks) +
           ") callers wait already";
  }
  if (reason == errc::timeout) return pool + ": no worker came free before the deadline";
  return pool + ": the caller's context ended while it waited for a worker";
}

void PoolCore::count_refusal(std::error_code reason, const PoolGrant& grant) noexcept {
  rejected_.fetch_add(1, std::memory_order_relaxed);
  std::atomic<std::uint64_t>* cause = &rejected_context_;  // a Context's error
  if (reason == errc::pool_closed) {
    cause = &rejected_closed_;
  } else if (reason == errc::pool_overload) {
    cause = grant.waiters_full ? &rejected_waiters_ : &rejected_full_;
  } else if (reason == errc::timeout) {
    cause = &rejected_timeout_;
  }
  cause->fetch_add(1, std::memory_order_relaxed);
}

void PoolCore::hand_back(std::error_code reason, const PoolGrant& grant) noexcept {
  const CallerScope scope{this};
  count_refusal(reason, grant);
}

void PoolCore::reject(Task&& task, std::error_code reason, const PoolGrant& grant, std::string why,
                      const std::source_location& where) {
  const CallerScope scope{this};
  count_refusal(reason, grant);
  const RejectHandler& handler = options_.on_reject;
  if (handler.custom()) {
    handler(RejectedTask(std::move(task), reason, std::move(why)));
    return;
  }
  switch (handler.policy()) {
    case RejectPolicy::abort:
      task.reset();
      return;
    case RejectPolicy::discard:
      discarded_.fetch_add(1, std::memory_order_relaxed);
      task.reset();
      return;
    case RejectPolicy::caller_runs:
      if (reason == errc::pool_closed) {
        discarded_.fetch_add(1, std::memory_order_relaxed);
        task.reset();
        return;
      }
      std::exception_ptr error;
      try {
        task();
      } catch (...) {
        error = std::current_exception();
      }
      task.reset();
      if (error) {
        exceptions_.fetch_add(1, std::memory_order_relaxed);
        handle_exception(error, where);  // named by its post site, as on a worker
      }
      return;
  }
}

std::error_code PoolCore::null_task_error() const noexcept {
  return is_closed() ? errc::pool_closed : errc::null_task;
}

// ---------------------------------------------------------------------------------------------
// Returned workers and wake-ups (the worker side itself is in worker.cpp)

void PoolCore::settle_locked(PoolWorker*& exits) const noexcept {
  PoolWorker* w = returned_.exchange(nullptr, std::memory_order_seq_cst);
  if (w == nullptr) {
    return;
  }
  PoolWorker* oldest = nullptr;  // the list is newest first: reverse it
  int n = 0;
  while (w != nullptr) {
    PoolWorker* next = w->next_returned;
    w->next_returned = oldest;
    oldest = w;
    w = next;
    ++n;
  }
  bump(busy_, -n);
  bump(completed_, static_cast<std::uint64_t>(n));
  const bool closed = closed_.load(std::memory_order_relaxed);
  const Clock::time_point now = coarse_now();
  for (w = oldest; w != nullptr;) {
    PoolWorker* next = w->next_returned;
    w->next_returned = nullptr;
    w->last_used = now;
    // Whoever takes w next wakes its mailbox and, if it parked, its goroutine: lines w's own
    // thread wrote last. Fetch both now, while the rest of the list is filed, rather than
    // stall on them then.
    __builtin_prefetch(&w->mail, 1);
    w->mail.prefetch_owner();
    if (closed || !idle_->insert(w)) {
      w->next_returned = exits;  // released meanwhile (or no room to file it): it stops
      exits = w;
    }
    w = next;
  }
}

void PoolCore::settle() const noexcept {
  if (returned_.load(std::memory_order_acquire) == nullptr) {
    return;
  }
  PoolWorker* exits = nullptr;
  lock_.lock();
  settle_locked(exits);
  lock_.unlock();
  send_exits(exits);
}

void PoolCore::note_attention_locked() noexcept {
  const int cap = capacity_.load(std::memory_order_relaxed);
  const bool needed = !waiters_.empty() || idle_sleepers_ != nullptr || exit_sleepers_ != nullptr ||
                      closed_.load(std::memory_order_relaxed) ||
                      (cap > 0 && running_.load(std::memory_order_relaxed) > cap);
  if (needed != attention_.load(std::memory_order_relaxed)) {
    attention_.store(needed, std::memory_order_seq_cst);
  }
}

int PoolCore::busy() const noexcept {
  settle();
  return busy_.load(std::memory_order_relaxed);
}

void PoolCore::collect_locked(Wakeups& wk) noexcept {
  note_attention_locked();  // before filing: the Dekker pair with revert()'s push
  settle_locked(wk.exits);
  if (!closed_.load(std::memory_order_relaxed)) {
    Waiter** tail = &wk.waiters;
    while (*tail != nullptr) {
      tail = &(*tail)->next;
    }
    *tail = grant_idle_locked();
    while (*tail != nullptr) {
      tail = &(*tail)->next;
    }
    *tail = grant_spawns_locked();
  }
  if (busy_.load(std::memory_order_relaxed) == 0 && idle_sleepers_ != nullptr) {
    wk.idle = std::exchange(idle_sleepers_, nullptr);
  }
  if (alive_.load(std::memory_order_relaxed) == 0 && exit_sleepers_ != nullptr) {
    wk.exit = std::exchange(exit_sleepers_, nullptr);
  }
  note_attention_locked();  // waiters granted, sleepers taken: maybe nobody needs it now
}

void PoolCore::send_exits(PoolWorker* list) noexcept {
  while (list != nullptr) {
    PoolWorker* next = list->next_returned;  // read before the worker may run and retire
    list->next_returned = nullptr;
    send_mail(list, PoolWorker::kExit);
    list = next;
  }
}

void PoolCore::deliver(const Wakeups& wk) noexcept {
  send_exits(wk.exits);
  // Read every link before the unpark that lets its owner return.
  for (Waiter* w = wk.waiters; w != nullptr;) {
    Waiter* next = w->next;
    if (w->signal != nullptr) {
      const Chan<std::monostate> signal = *w->signal;  // keep it alive past the wake-up
      signal.close();
    } else {
      w->ws.wake(kWoken);
    }
    w = next;
  }
  for (Sleeper* s = wk.idle; s != nullptr;) {
    Sleeper* next = s->next;
    s->ws.wake(kWoken);
    s = next;
  }
  for (Sleeper* s = wk.exit; s != nullptr;) {
    Sleeper* next = s->next;
    s->ws.wake(kWoken);  // may let the pool be destroyed: touch nothing of it afterwards
    s = next;
  }
}

PoolWorker* PoolCore::pop_free_locked() noexcept {
  PoolWorker* w = free_workers_;
  if (w != nullptr) {
    free_workers_ = w->next_free;
    w->next_free = nullptr;
  }
  return w;
}

void PoolCore::push_free_locked(PoolWorker* w) noexcept {
  w->next_free = free_workers_;
  free_workers_ = w;
}

Clock::time_point PoolCore::coarse_now() noexcept {
  // CLOCK_MONOTONIC_COARSE is steady_clock's clock at tick resolution, read without a syscall
  // in a few ns; idle stamps need no more precision than that.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

// ---------------------------------------------------------------------------------------------
// Counters

int PoolCore::free() const noexcept {
  const int cap = capacity();
  return cap < 0 ? -1 : cap - running();
}

PoolStats PoolCore::stats() const noexcept {
  settle();
  PoolStats s;
  s.submitted = submitted_.load(std::memory_order_relaxed);
  s.completed = completed_.load(std::memory_order_relaxed);
  s.exceptions = exceptions_.load(std::memory_order_relaxed);
  s.rejected = rejected_.load(std::memory_order_relaxed);
  s.rejected_closed = rejected_closed_.load(std::memory_order_relaxed);
  s.rejected_full = rejected_full_.load(std::memory_order_relaxed);
  s.rejected_waiters = rejected_waiters_.load(std::memory_order_relaxed);
  s.rejected_timeout = rejected_timeout_.load(std::memory_order_relaxed);
  s.rejected_context = rejected_context_.load(std::memory_order_relaxed);
  s.discarded = discarded_.load(std::memory_order_relaxed);
  s.workers_started = started_.load(std::memory_order_relaxed);

  std::uint64_t hist[kWaitBuckets];
  std::uint64_t count = 0;
  for (int i = 0; i < kWaitBuckets; ++i) {
    hist[i] = wait_hist_[i].load(std::memory_order_relaxed);
    count += hist[i];
  }
  s.waits.count = count;
  s.waits.total = std::chrono::nanoseconds(wait_ns_.load(std::memory_order_relaxed));
  s.waits.max = std::chrono::nanoseconds(wait_max_ns_.load(std::memory_order_relaxed));
  // A quantile is the upper end of the bucket that holds it (never above the maximum).
  const auto quantile = [&](std::uint64_t per_mille) {
    if (count == 0) return std::chrono::nanoseconds(0);
    const std::uint64_t rank = (count * per_mille + 999) / 1000;
    std::uint64_t seen = 0;
    for (int i = 0; i < kWaitBuckets; ++i) {
      seen += hist[i];
      if (seen >= rank) {
        const std::int64_t upper =
            i >= 62 ? std::numeric_limits<std::int64_t>::max() : (std::int64_t{2} << i) - 1;
        return std::min(std::chrono::nanoseconds(upper), s.waits.max);
      }
    }
    return s.waits.max;
  };
  s.waits.p50 = quantile(500);
  s.waits.p90 = quantile(900);
  s.waits.p99 = quantile(990);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Capacity and lifecycle

std::error_code PoolCore::tune(int capacity) {
  if (capacity <= 0) {
    return errc::invalid_capacity;
  }
  if (options_.pre_alloc) {
    return errc::capacity_not_tunable;
  }
  Wakeups wk;
  lock_.lock();
  const int old = capacity_.load(std::memory_order_relaxed);
  if (old < 0) {
    lock_.unlock();
    return errc::capacity_not_tunable;
  }
  capacity_.store(capacity, std::memory_order_relaxed);
  collect_locked(wk);  // growing: blocked callers may start workers; shrinking: attention_
  lock_.unlock();
  deliver(wk);
  return {};
}

bool PoolCore::close() {
  std::lock_guard<std::mutex> guard(lifecycle_mu_);
  std::vector<PoolWorker*> idle;
  if (options_.pre_alloc) {
    idle.reserve(static_cast<std::size_t>(capacity()));  // take_all then cannot allocate
  }
  Wakeups wk;
  lock_.lock();
  if (closed_.load(std::memory_order_relaxed)) {
    lock_.unlock();
    return false;
  }
  closed_.store(true, std::memory_order_release);
  collect_locked(wk);  // workers that returned without the lock stop too (wk.exits)
  idle_->take_all(idle);
  Waiter** tail = &wk.waiters;
  while (Waiter* w = pop_waiter_locked()) {
    w->outcome = Waiter::closed;
    w->next = nullptr;
    *tail = w;
    tail = &w->next;
  }
  lock_.unlock();
  deliver(wk);
  for (PoolWorker* w : idle) {
    send_mail(w, PoolWorker::kExit);
  }
  stop_purge();
  return true;
}

void PoolCore::release() {
  close();
}

std::error_code PoolCore::release_timeout(Clock::duration timeout) {
  const Clock::time_point deadline = deadline_in(timeout);
  if (!close()) {
    return errc::pool_closed;
  }
  return join_until(deadline) ? std::error_code{} : make_error_code(errc::timeout);
}

bool PoolCore::join_until(Clock::time_point deadline) {
  return sleep_on(exit_sleepers_, &PoolCore::exit_done, &deadline);
}

void PoolCore::reboot() {
  std::lock_guard<std::mutex> guard(lifecycle_mu_);
  lock_.lock();
  const bool was_closed = closed_.load(std::memory_order_relaxed);
  closed_.store(false, std::memory_order_release);
  note_attention_locked();
  lock_.unlock();
  if (was_closed) {
    start_purge();
  }
}

void PoolCore::wait() {
  sleep_on(idle_sleepers_, &PoolCore::idle_done, nullptr);
}

bool PoolCore::wait_until(Clock::time_point deadline) {
  return sleep_on(idle_sleepers_, &PoolCore::idle_done, &deadline);
}

bool PoolCore::idle_done() const noexcept {
  return busy_.load(std::memory_order_relaxed) == 0;
}

bool PoolCore::exit_done() const noexcept {
  return alive_.load(std::memory_order_relaxed) == 0;
}

bool PoolCore::sleep_on(Sleeper*& list, bool (PoolCore::*done)() const noexcept,
                        const Clock::time_point* deadline) {
  // A caller of wait()/wait_for() whose wait times out touches the pool again to withdraw:
  // the destructor must wait for it like for any other caller.
  users_.fetch_add(1, std::memory_order_relaxed);
  const CallerScope scope{this};
  Sleeper me;
  Wakeups wk;
  lock_.lock();
  if (returned_.load(std::memory_order_relaxed) == nullptr && (this->*done)()) {
    lock_.unlock();
    return true;
  }
  me.next = list;
  list = &me;
  collect_locked(wk);  // files the returned workers; wakes `me` (unparks it) if already done
  lock_.unlock();
  deliver(wk);
  if (me.ws.wait_until(deadline != nullptr ? *deadline : kForever, WaitReason::wait_group) !=
      WaitState::kPending) {
    return true;
  }
  lock_.lock();
  for (Sleeper** link = &list; *link != nullptr; link = &(*link)->next) {
    if (*link == &me) {
      *link = me.next;
      lock_.unlock();
      return false;
    }
  }
  lock_.unlock();
  (void)me.ws.wait(WaitReason::wait_group);  // taken by a notifier: its wake is on its way
  return true;
}

void PoolLock::lock_slow() noexcept {
  for (int spins = 0;; ++spins) {
    if (!locked_.load(std::memory_order_relaxed) &&
        !locked_.exchange(true, std::memory_order_acquire)) {
      return;
    }
    if (spins < kLockSpins) {
      cpu_relax();
    } else {
      sched_yield();
    }
  }
}

}  // namespace gopool::detail
