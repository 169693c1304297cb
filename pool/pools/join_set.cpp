// JoinCore: the untyped part of JoinSet: finished tasks in completion order, the next() callers
// waiting for one, the counts, and the tasks' Context.
#include "gopool/join_set.hpp"

#include <cassert>
#include <mutex>
#include <utility>

namespace gopool::detail {

// Waiter: one take() that waits, on its caller's stack. Queuing reserves one counted task for
// it. complete() hands it a node (undo_add() an empty hand: the reserved task will never come)
// and takes it off the queue under the lock; a waiter whose deadline passes takes itself off
// and gives its reservation back, unless it was handed something first.
struct JoinCore::Waiter {
  static constexpr WaitState::Result kHanded = WaitState::kFirstResult;

  WaitState ws;
  JoinNode* got = nullptr;
  Waiter* prev = nullptr;  // JoinCore::waiters_, under its lock
  Waiter* next = nullptr;
  bool queued = false;
};

namespace {
constexpr WaitState::Result kDrained = WaitState::kFirstResult;
}  // namespace

JoinCore::JoinCore(const Context& parent)
    : parent_(parent), contexts_{with_cancel(parent)}, ctx_(&contexts_.front()) {}

JoinCore::~JoinCore() {
  assert(running_ == 0 && waiters_.empty());
  while (head_ != nullptr) {
    delete std::exchange(head_, head_->next);
  }
}

const Context& JoinCore::task_context() {
  const Context* current = ctx_.load(std::memory_order_acquire);
  if (!current->err() || parent_.err()) {
    return *current;  // live, or done with the parent: then every task is cancelled
  }
  // abort_all() cancelled it: later tasks get a fresh child (allocated outside the lock, and
  // spliced in under it).
  std::forward_list<Context> fresh{with_cancel(parent_)};
  std::lock_guard lock(mu_);
  if (ctx_.load(std::memory_order_relaxed) == current) {
    contexts_.splice_after(contexts_.before_begin(), fresh);
    ctx_.store(&contexts_.front(), std::memory_order_release);
  }
  return *ctx_.load(std::memory_order_relaxed);
}

void JoinCore::add() noexcept {
  std::lock_guard lock(mu_);
  ++unclaimed_;
  ++running_;
}

void JoinCore::undo_add() noexcept {
  Waiter* w = nullptr;
  {
    std::lock_guard lock(mu_);
    --running_;
    if (unclaimed_ > 0) {
      --unclaimed_;
    } else {
      // A waiting take() reserved this task: nothing will come for it, as if the set were
      // empty.
      w = waiters_.front();
      waiters_.remove(w);
    }
  }
  if (w != nullptr) {
    w->ws.wake(Waiter::kHanded);  // got stays nullptr
  }
}

void JoinCore::complete(JoinNode* node) noexcept {
  Waiter* w = nullptr;
  WaitState* drainer = nullptr;
  {
    std::lock_guard lock(mu_);
    if (!waiters_.empty()) {
      w = waiters_.front();
      waiters_.remove(w);
      w->got = node;
    } else {
      node->next = nullptr;
      (tail_ != nullptr ? tail_->next : head_) = node;
      tail_ = node;
    }
    if (--running_ == 0) {
      drainer = std::exchange(drainer_, nullptr);
    }
  }
  // After the lock the set may go away (a woken next() returns, its owner destroys the set):
  // each wake is the last touch of its waiter, and neither touches the set. (A drainer and a
  // waiter never wait at once: the destructor does not run beside next().)
  if (w != nullptr) {
    w->ws.wake(Waiter::kHanded);
  }
  if (drainer != nullptr) {
    drainer->wake(kDrained);
  }
}

JoinNode* JoinCore::take(Clock::time_point deadline) noexcept {
  const bool poll = deadline != Clock::time_point::max() && deadline <= Clock::now();
  // pop: the oldest finished node, or null; under the lock.
  auto pop = [this]() -> JoinNode* {
    JoinNode* n = head_;
    if (n != nullptr) {
      head_ = n->next;
      if (head_ == nullptr) {
        tail_ = nullptr;
      }
      --unclaimed_;
    }
    return n;
  };
  {
    std::lock_guard lock(mu_);
    if (JoinNode* n = pop()) {
      return n;
    }
    if (unclaimed_ == 0 || poll) {
      return nullptr;
    }
  }
  Waiter me;  // built only when a wait is likely: binding to the caller costs a call
  {
    std::lock_guard lock(mu_);
    if (JoinNode* n = pop()) {
      return n;
    }
    if (unclaimed_ == 0) {
      return nullptr;
    }
    --unclaimed_;  // reserved for me
    waiters_.push(&me);
  }
  if (me.ws.wait_until(deadline, WaitReason::future) == WaitState::kPending) {
    {
      std::lock_guard lock(mu_);
      if (me.queued) {  // nobody handed me anything: withdraw and give the reservation back
        waiters_.remove(&me);
        ++unclaimed_;
        return nullptr;
      }
    }
    (void)me.ws.wait(WaitReason::future);  // handed meanwhile: the wake-up is on its way
  }
  return me.got;
}

std::size_t JoinCore::size() const noexcept {
  std::lock_guard lock(mu_);
  return unclaimed_;
}

void JoinCore::abort_all() noexcept {
  // Outside our lock: cancel wakes the tasks' waiters under the context's lock.
  ctx_.load(std::memory_order_acquire)->cancel();
}

void JoinCore::drain() noexcept {
  {
    std::lock_guard lock(mu_);
    if (running_ == 0) {
      return;
    }
  }
  WaitState me;
  {
    std::lock_guard lock(mu_);
    if (running_ == 0) {
      return;
    }
    drainer_ = &me;
  }
  (void)me.wait(WaitReason::wait_group);
}

}  // namespace gopool::detail
