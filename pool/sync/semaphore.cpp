#include "gopool/semaphore.hpp"

#include "gopool/context.hpp"
#include "gopool/detail/context_waiter.hpp"

#include <limits>
#include <mutex>
#include <stdexcept>

namespace gopool {
namespace {

void check_count(std::int64_t n, const char* what) {
  if (n < 0) {
    throw std::invalid_argument(what);
  }
}

}  // namespace

Semaphore::Semaphore(std::int64_t permits) : count_(permits) {
  check_count(permits, "gopool: Semaphore with a negative count");
}

bool Semaphore::take_locked(std::int64_t n) noexcept {
  if (queue_.empty() && count_ >= n) {
    count_ -= n;
    return true;
  }
  return false;
}

Semaphore::Waiter* Semaphore::grant_locked() noexcept {
  Waiter* list = nullptr;
  Waiter** tail = &list;
  while (!queue_.empty() && queue_.front()->n <= count_) {
    Waiter* w = queue_.front();
    count_ -= w->n;
    queue_.remove(w);
    w->next = nullptr;
    *tail = w;
    tail = &w->next;
  }
  return list;
}

void Semaphore::wake(Waiter* list) noexcept {
  while (list != nullptr) {
    Waiter* next = list->next;  // read first: the woken waiter's node dies with its wait
    list->ws.wake(kGranted);
    list = next;
  }
}

void Semaphore::acquire(std::int64_t n) {
  check_count(n, "gopool: Semaphore::acquire of a negative count");
  if (n == 0) {
    return;
  }
  Waiter me(n);
  {
    std::lock_guard lock(mu_);
    if (take_locked(n)) {
      return;
    }
    queue_.push(&me);
  }
  (void)me.ws.wait(detail::WaitReason::semaphore);  // release() took our permits for us
}

bool Semaphore::try_acquire(std::int64_t n) {
  check_count(n, "gopool: Semaphore::try_acquire of a negative count");
  if (n == 0) {
    return true;
  }
  std::lock_guard lock(mu_);
  return take_locked(n);
}

bool Semaphore::acquire_until(Clock::time_point deadline, std::int64_t n) {
  check_count(n, "gopool: Semaphore::acquire_until of a negative count");
  if (n == 0) {
    return true;
  }
  Waiter me(n);
  {
    std::lock_guard lock(mu_);
    if (take_locked(n)) {
      return true;
    }
    if (deadline <= Clock::now()) {
      return false;
    }
    queue_.push(&me);
  }
  if (me.ws.wait_until(deadline, detail::WaitReason::semaphore) != detail::WaitState::kPending) {
    return true;
  }
  if (withdraw(&me)) {
    return false;
  }
  (void)me.ws.wait(detail::WaitReason::semaphore);  // a release() granted us just now
  return true;
}

bool Semaphore::withdraw(Waiter* w) noexcept {
  Waiter* granted = nullptr;
  {
    std::lock_guard lock(mu_);
    if (!w->queued) {
      return false;  // a release() took it off the queue: its wake-up is on the way
    }
    queue_.remove(w);
    granted = grant_locked();  // leaving the head may let smaller requests behind it through
  }
  wake(granted);
  return true;
}

// Takes a waiting acquire(ctx, n) off the queue when its context ends, unless a release() has
// granted its permits first (then that release's wake-up stands).
struct Semaphore::Canceller : detail::ContextWaiter {
  Canceller(Semaphore* s, Waiter* w) noexcept : sem(s), me(w) { notify = &on_cancel; }

  static void on_cancel(ContextWaiter* self, std::error_code /*why*/) noexcept {
    static_cast<Canceller*>(self)->withdraw();
  }

  void withdraw() noexcept {
    if (sem->withdraw(me)) {
      me->ws.wake(kCanceled);
    }
  }

  Semaphore* sem;
  Waiter* me;
};

std::error_code Semaphore::acquire(const Context& ctx, std::int64_t n) {
  check_count(n, "gopool: Semaphore::acquire of a negative count");
  if (n == 0) {
    return {};
  }
  Waiter me(n);
  {
    std::lock_guard lock(mu_);
    if (take_locked(n)) {
      return {};
    }
    if (std::error_code done = ctx.err()) {
      return done;
    }
    queue_.push(&me);
  }
  Canceller canceller(this, &me);
  const detail::ContextLink link(ctx, canceller);
  if (link.error()) {
    canceller.withdraw();  // done between the check and the link
  }
  if (me.ws.wait(detail::WaitReason::semaphore) == kGranted) {
    return {};
  }
  return ctx.err();
}

void Semaphore::release(std::int64_t n) {
  check_count(n, "gopool: Semaphore::release of a negative count");
  Waiter* granted = nullptr;
  {
    std::lock_guard lock(mu_);
    if (count_ > std::numeric_limits<std::int64_t>::max() - n) {
      throw std::overflow_error("gopool: Semaphore::release overflows the count");
    }
    count_ += n;
    granted = grant_locked();
  }
  wake(granted);
}

std::int64_t Semaphore::available() const noexcept {
  std::lock_guard lock(mu_);
  return count_;
}

std::size_t Semaphore::waiters() const noexcept {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace gopool
