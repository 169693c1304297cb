// TaskGroup's out-of-line parts: the limit's FIFO of blocked go() callers, the accounting of
// every task's end, the first error, and wait().
#include "gopool/task_group.hpp"

#include <atomic>
#include <mutex>
#include <string>

#include "gopool/detail/context_waiter.hpp"
#include "gopool/detail/coop_budget.hpp"
#include "gopool/detail/pool_base.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/multi_pool.hpp"
#include "gopool/pool.hpp"

namespace gopool {
namespace {

using detail::GroupOutcome;
using detail::WaitState;

constexpr WaitState::Result kGranted = WaitState::kFirstResult;  // a slot was handed over
constexpr WaitState::Result kStopped = WaitState::kFirstResult + 1;
constexpr WaitState::Result kIdle = WaitState::kFirstResult;  // every task has ended

std::atomic<std::uint64_t> next_group_id{1};

// TaskGroup::state_'s fields (see the header).
constexpr std::uint64_t kRunningOne = 1;
constexpr std::uint64_t kRunningMask = 0x7FFF'FFFF;
constexpr std::uint64_t kSlow = std::uint64_t{1} << 31;
constexpr std::uint64_t kActiveOne = std::uint64_t{1} << 32;

int running_of(std::uint64_t state) noexcept {
  return static_cast<int>(state & kRunningMask);
}

std::int64_t active_of(std::uint64_t state) noexcept {
  return static_cast<std::int64_t>(state >> 32);
}

std::string default_name(std::uint64_t id) {
  return "group#" + std::to_string(id);
}

// post_on_pool, post_on_multi_pool: PostFn for a Pool and a MultiPool. A refusal comes back
// here (Refused::to_caller) to become the group's error instead of going to the pool's
// on_reject handler, which might run the task in the caller; the pool still counts it.
std::error_code post_on_pool(void* pool, detail::Task& task, const detail::PoolWait& wait,
                             const std::source_location& where) {
  return detail::post_task(static_cast<Pool*>(pool)->core(), task, wait, where,
                           detail::Refused::to_caller);
}

}  // namespace

std::error_code TaskGroup::post_on_multi_pool(void* pool, detail::Task& task,
                                              const detail::PoolWait& wait,
                                              const std::source_location& where) {
  return static_cast<MultiPool*>(pool)->post_task(task, wait, where, detail::Refused::to_caller);
}

// SlotWaiter: a go() caller blocked at the limit. A task that ends hands its slot to the
// first one (kGranted); the group stopping takes it out (kStopped) through its context hook.
// Whoever finds it queued, under mu_, removes it and is the one to wake it.
struct TaskGroup::SlotWaiter {
  struct Hook : detail::ContextWaiter {
    SlotWaiter* owner = nullptr;
  };
  explicit SlotWaiter(TaskGroup* g) noexcept : group(g) {
    hook.owner = this;
    hook.notify = &TaskGroup::on_stop;
  }
  TaskGroup* group;
  WaitState ws;
  Hook hook;
  SlotWaiter* prev = nullptr;  // slot_waiters_, under mu_
  SlotWaiter* next = nullptr;
  bool queued = false;
};

// DoneWaiter: a caller of wait() (or the destructor), woken when the active count reaches zero.
struct TaskGroup::DoneWaiter {
  WaitState ws;
  DoneWaiter* next = nullptr;
};

TaskGroup::TaskGroup() : TaskGroup(default_pool()) {}

TaskGroup::TaskGroup(const Context& parent) : TaskGroup(default_pool(), parent) {}

TaskGroup::TaskGroup(Pool& pool, const Context& parent) : TaskGroup(&pool, &post_on_pool, parent) {}

TaskGroup::TaskGroup(MultiPool& pool, const Context& parent)
    : TaskGroup(&pool, &post_on_multi_pool, parent) {}

TaskGroup::TaskGroup(void* pool, PostFn post, const Context& parent)
    : pool_(pool),
      post_(post),
      stop_(with_cancel(parent)),
      ctx_(with_cancel(stop_)),
      id_(next_group_id.fetch_add(1, std::memory_order_relaxed)) {
  name_ = default_name(id_);
}

TaskGroup::~TaskGroup() {
  wait_idle();
  ctx_.cancel();
}

void TaskGroup::throw_null_task() {
  throw std::system_error(make_error_code(errc::null_task),
                          "gopool: TaskGroup::go of an empty callable");
}

std::uint64_t TaskGroup::freeze_locked() noexcept {
  return state_.fetch_or(kSlow, std::memory_order_acq_rel);
}

void TaskGroup::thaw_locked() noexcept {
  if (slot_waiters_.empty() && done_waiters_ == nullptr) {
    state_.fetch_and(~kSlow, std::memory_order_release);
  }
}

TaskGroup::Entry TaskGroup::enter(bool may_wait) {
  std::error_code stopped = stop_.err();
  if (stopped || stopped_.load(std::memory_order_acquire)) {
    // Stopped already: the task is cancelled before start without taking a slot.
    accepted_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mu_);
    ++stats_.cancelled;
    GroupOutcome cancelled{GroupOutcome::Kind::cancelled, stopped, nullptr};
    (void)record_locked(cancelled);
    return Entry::cancelled;
  }
  const int limit = limit_.load(std::memory_order_relaxed);
  std::uint64_t state = state_.load(std::memory_order_relaxed);
  while ((state & kSlow) == 0 && (limit < 0 || running_of(state) < limit)) {
    if (state_.compare_exchange_weak(state, state + kRunningOne + kActiveOne,
                                     std::memory_order_acq_rel, std::memory_order_relaxed)) {
      accepted_.fetch_add(1, std::memory_order_relaxed);
      return Entry::ok;
    }
  }
  if (may_wait) {
    return wait_for_slot();
  }
  std::lock_guard lock(mu_);
  state = freeze_locked();
  Entry entry = Entry::full;
  if (limit < 0 || running_of(state) < limit) {  // a task ended before the freeze
    state_.fetch_add(kRunningOne + kActiveOne, std::memory_order_relaxed);
    accepted_.fetch_add(1, std::memory_order_relaxed);
    entry = Entry::ok;
  }
  thaw_locked();
  return entry;
}

TaskGroup::Entry TaskGroup::wait_for_slot() {
  WaitState::Result r = WaitState::kPending;
  {
    SlotWaiter me(this);
    {
      std::lock_guard lock(mu_);
      const std::uint64_t state = freeze_locked();
      state_.fetch_add(kActiveOne, std::memory_order_relaxed);  // wait() waits for this caller too
      accepted_.fetch_add(1, std::memory_order_relaxed);
      const int limit = limit_.load(std::memory_order_relaxed);
      if (limit < 0 || running_of(state) < limit) {  // a task ended meanwhile
        state_.fetch_add(kRunningOne, std::memory_order_relaxed);
        thaw_locked();
        return Entry::ok;
      }
      slot_waiters_.push(&me);  // kSlow stays set while it is queued
    }
    // Linked after queueing: a task that ends meanwhile may grant the slot already. The link
    // (and the context's lock behind it) is never taken under mu_: on_stop takes mu_ under it.
    detail::ContextLink link(stop_, me.hook);
    if (link.error()) {
      std::lock_guard lock(mu_);
      if (me.queued) {
        slot_waiters_.remove(&me);
        r = kStopped;
      }
    }
    if (r == WaitState::kPending) {
      r = me.ws.wait(detail::WaitReason::task_group);
    }
  }  // unlinked here: on_stop is not running and will not run
  if (r == kGranted) {
    return Entry::ok;  // the slot came with the slots taken unchanged
  }
  finish({GroupOutcome::Kind::cancelled, stop_.err(), nullptr}, false);
  return Entry::cancelled;
}

void TaskGroup::on_stop(detail::ContextWaiter* self, std::error_code /*why*/) noexcept {
  SlotWaiter* w = static_cast<SlotWaiter::Hook*>(self)->owner;
  TaskGroup* g = w->group;  // alive: w's caller counts as active
  bool mine = false;
  {
    std::lock_guard lock(g->mu_);
    if (w->queued) {
      g->slot_waiters_.remove(w);
      mine = true;
    }
  }
  if (mine) w->ws.wake(kStopped);  // else a task's end granted it a slot first
}

bool TaskGroup::dispatch(detail::Task& task, const std::source_location& where, bool may_wait) {
  // Waiting, a caller gives up when the group stops; try_go's deadline has passed already.
  const detail::PoolWait wait = may_wait ? detail::PoolWait::for_context(stop_)
                                         : detail::PoolWait::until(Clock::time_point::min());
  std::error_code refusal;
  try {
    refusal = post_(pool_, task, wait, where);
  } catch (...) {
    finish({GroupOutcome::Kind::withdrawn, {}, nullptr}, true);  // no worker could be started
    throw;
  }
  task.reset();  // a refused task is destroyed before the group counts it out
  // A caller that never blocks must still let the tasks run; it goes on on another P while
  // its own runs them (see CoopYield::global).
  detail::spend_coop_budget(detail::CoopYield::global);
  if (!refusal) {
    return true;
  }
  if (!may_wait && (refusal == errc::timeout || refusal == errc::pool_overload)) {
    finish({GroupOutcome::Kind::withdrawn, {}, nullptr}, true);  // the pool is full right now
    return false;
  }
  if (refusal.category() == context_category()) {
    // The group stopped while the caller waited for a worker: cancelled before start.
    finish({GroupOutcome::Kind::cancelled, refusal, nullptr}, true);
  } else {
    finish({GroupOutcome::Kind::refused, refusal, nullptr}, true);
  }
  return true;
}

bool TaskGroup::start_task(GroupOutcome& outcome) noexcept {
  if (stopped_.load(std::memory_order_acquire)) {
    outcome = {GroupOutcome::Kind::cancelled, stop_.err(), nullptr};  // a failure came first
    return false;
  }
  if (const std::error_code stopped = stop_.err()) {
    outcome = {GroupOutcome::Kind::cancelled, stopped, nullptr};
    return false;
  }
  detail::set_goroutine_group(name_.c_str());  // name_ cannot change while a task is active
  return true;
}

bool TaskGroup::record_locked(GroupOutcome& outcome) noexcept {
  if (failed_ || (!outcome.error && !outcome.exception)) {
    return false;
  }
  failed_ = true;
  stopped_.store(true, std::memory_order_release);
  error_ = outcome.error;
  exception_ = std::move(outcome.exception);
  return true;
}

void TaskGroup::finish(GroupOutcome outcome, bool holds_slot) noexcept {
  if (outcome.kind == GroupOutcome::Kind::succeeded) {
    succeeded_.fetch_add(1, std::memory_order_relaxed);  // before the count that lets wait() go
    const std::uint64_t ended = kActiveOne + (holds_slot ? kRunningOne : 0);
    std::uint64_t state = state_.load(std::memory_order_relaxed);
    while ((state & kSlow) == 0) {
      // Nobody waits for a slot or for the end: one CAS. *this may be gone once it succeeds.
      if (state_.compare_exchange_weak(state, state - ended, std::memory_order_acq_rel,
                                       std::memory_order_relaxed)) {
        return;
      }
    }
  }
  bool stop_group = false;
  SlotWaiter* granted = nullptr;
  DoneWaiter* idle = nullptr;
  // A later failure's exception is dropped here, and its object destroyed (user code) outside
  // mu_ but before the count drops: nothing of this task's may outlive the wait() it ends.
  std::exception_ptr dropped;
  {
    std::lock_guard lock(mu_);
    (void)freeze_locked();
    switch (outcome.kind) {
      case GroupOutcome::Kind::succeeded:
        break;  // counted above
      case GroupOutcome::Kind::failed:
        ++stats_.failed;
        stop_group = record_locked(outcome);
        break;
      case GroupOutcome::Kind::cancelled:
        ++stats_.cancelled;
        (void)record_locked(outcome);  // the parent's error, unless a failure came first
        break;
      case GroupOutcome::Kind::refused:
        ++stats_.refused;
        stop_group = record_locked(outcome);
        break;
      case GroupOutcome::Kind::withdrawn:
        accepted_.fetch_sub(1, std::memory_order_relaxed);
        break;
    }
    if (holds_slot) {
      if (SlotWaiter* w = slot_waiters_.front()) {
        slot_waiters_.remove(w);  // the slot passes to w: the slots taken stay
        granted = w;
      } else {
        state_.fetch_sub(kRunningOne, std::memory_order_relaxed);
      }
    }
    dropped = std::move(outcome.exception);  // empty unless recorded as the first failure
    if (!stop_group && !dropped) {
      idle = count_out_locked();
    }
    thaw_locked();
  }
  const bool count_out_later = stop_group || dropped;
  dropped = nullptr;
  if (stop_group) {
    // Outside mu_ (cancelling takes the contexts' locks, under which on_stop takes mu_), and
    // before a slot passes on, so that the task it lets in sees the group stopped. This task
    // still counts as active, so *this is alive; the count drops right after.
    stop_.cancel();
  }
  if (granted != nullptr) {
    granted->ws.wake(kGranted);  // its caller still counts as active: *this stays
  }
  if (count_out_later) {
    std::lock_guard lock(mu_);
    (void)freeze_locked();
    idle = count_out_locked();
    thaw_locked();
  }
  // *this may be gone from here on: a waiter woken below, or one that looked at the active count
  // after the lock was released, may destroy the group.
  while (idle != nullptr) {
    DoneWaiter* next = idle->next;  // read first: the node dies with its wait
    idle->ws.wake(kIdle);
    idle = next;
  }
}

TaskGroup::DoneWaiter* TaskGroup::count_out_locked() noexcept {
  const std::uint64_t before = state_.fetch_sub(kActiveOne, std::memory_order_acq_rel);
  if (active_of(before) != 1) {
    return nullptr;
  }
  DoneWaiter* idle = done_waiters_;
  done_waiters_ = nullptr;
  return idle;
}

void TaskGroup::wait_idle() noexcept {
  DoneWaiter me;
  {
    std::lock_guard lock(mu_);
    if (active_of(freeze_locked()) == 0) {
      thaw_locked();
      return;
    }
    me.next = done_waiters_;
    done_waiters_ = &me;  // kSlow stays set while it waits
  }
  (void)me.ws.wait(detail::WaitReason::task_group);
}

std::error_code TaskGroup::wait() {
  wait_idle();
  ctx_.cancel();
  std::error_code error;
  std::exception_ptr exception;
  {
    std::lock_guard lock(mu_);
    error = error_;
    exception = exception_;
  }
  if (exception) {
    std::rethrow_exception(exception);
  }
  return error;
}

void TaskGroup::set_limit(int n) {
  if (n == 0) {
    throw std::system_error(make_error_code(errc::invalid_group_limit),
                            "gopool: TaskGroup::set_limit(0)");
  }
  std::int64_t active = 0;
  std::string name;
  {
    std::lock_guard lock(mu_);
    active = active_of(freeze_locked());  // frozen: no go() takes a slot under the old limit
    if (active == 0) {
      limit_.store(n < 0 ? -1 : n, std::memory_order_relaxed);
      thaw_locked();
      return;
    }
    thaw_locked();
    name = name_;
  }
  throw std::system_error(make_error_code(errc::group_active),
                          "gopool: TaskGroup::set_limit while " + std::to_string(active) +
                              " tasks of group \"" + name + "\" are active");
}

int TaskGroup::limit() const noexcept {
  return limit_.load(std::memory_order_relaxed);
}

void TaskGroup::set_name(std::string name) {
  if (name.empty()) {
    name = default_name(id_);
  }
  std::int64_t active = 0;
  {
    std::lock_guard lock(mu_);
    active = active_of(freeze_locked());  // frozen: no task starts and reads name_ meanwhile
    if (active == 0) {
      name_.swap(name);
      thaw_locked();
      return;
    }
    thaw_locked();
    name = name_;
  }
  throw std::system_error(make_error_code(errc::group_active),
                          "gopool: TaskGroup::set_name while " + std::to_string(active) +
                              " tasks of group \"" + name + "\" are active");
}

std::int64_t TaskGroup::active() const noexcept {
  return active_of(state_.load(std::memory_order_acquire));
}

TaskGroupStats TaskGroup::stats() const noexcept {
  TaskGroupStats stats;
  {
    std::lock_guard lock(mu_);
    stats = stats_;
  }
  stats.accepted = accepted_.load(std::memory_order_relaxed);
  stats.succeeded = succeeded_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace gopool
