#include "gopool/wait_group.hpp"

#include <limits>
#include <mutex>

#include "gopool/runtime.hpp"
#include "runtime/fatal.hpp"

namespace gopool {
namespace {

constexpr std::uint64_t kWaiterMask = 0xFFFFFFFFULL;

std::int64_t counter_of(std::uint64_t state) noexcept {
  return static_cast<std::int32_t>(state >> 32);
}

std::uint32_t waiters_of(std::uint64_t state) noexcept {
  return static_cast<std::uint32_t>(state & kWaiterMask);
}

}  // namespace

WaitGroup::~WaitGroup() {
  if (waiters_of(state_.load(std::memory_order_acquire)) != 0) {
    detail::fatal("sync: WaitGroup destroyed while goroutines wait on it");
  }
}

void WaitGroup::add(std::int64_t delta) noexcept {
  if (delta > std::numeric_limits<std::int32_t>::max() ||
      delta < std::numeric_limits<std::int32_t>::min()) {
    detail::fatal("sync: WaitGroup delta out of range");
  }
  const std::uint64_t step = static_cast<std::uint64_t>(delta) << 32;
  const std::uint64_t now = state_.fetch_add(step, std::memory_order_acq_rel) + step;
  const std::int64_t counter = counter_of(now);
  if (counter < 0) detail::fatal("sync: negative WaitGroup counter");
  if (counter > 0 || delta == 0 || waiters_of(now) == 0) return;
  // The counter reached zero with waiters: they cannot leave until woken, so the WaitGroup
  // stays alive until the last touch below.
  Waiter* list = nullptr;
  std::uint32_t n = 0;
  {
    std::lock_guard lock(mu_);
    list = waiters_;
    waiters_ = nullptr;
  }
  for (Waiter* w = list; w != nullptr; w = w->next)
    ++n;
  state_.fetch_sub(n, std::memory_order_acq_rel);  // last touch of *this
  while (list != nullptr) {
    Waiter* next = list->next;  // read before the wake: the waiter's node dies with its wait
    list->ws.wake(detail::WaitState::kFirstResult);
    list = next;
  }
}

void WaitGroup::wait() noexcept {
  Waiter self;
  for (;;) {
    const std::uint64_t s = state_.load(std::memory_order_acquire);
    if (counter_of(s) == 0) {
      if (waiters_of(s) == 0) return;
      // An add() is waking earlier waiters and still uses this WaitGroup: let it finish, so a
      // caller that destroys the WaitGroup after wait() returns cannot pull it from under it.
      yield();
      continue;
    }
    std::lock_guard lock(mu_);
    std::uint64_t expected = s;
    if (!state_.compare_exchange_strong(expected, s + 1, std::memory_order_acq_rel)) continue;
    self.next = waiters_;
    waiters_ = &self;
    break;
  }
  (void)self.ws.wait(detail::WaitReason::wait_group);
}

}  // namespace gopool
