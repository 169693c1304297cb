#include "gopool/wait_group.hpp"

#include <mutex>

#include "runtime/fatal.hpp"

namespace gopool {

WaitGroup::~WaitGroup() {
  std::lock_guard lock(mu_);
  if (waiters_ != nullptr) detail::fatal("sync: WaitGroup destroyed while goroutines wait on it");
}

void WaitGroup::add(std::int64_t delta) noexcept {
  const std::int64_t now = count_.fetch_add(delta, std::memory_order_acq_rel) + delta;
  if (now < 0) detail::fatal("sync: negative WaitGroup counter");
  if (now != 0 || delta == 0) return;
  Waiter* list = nullptr;
  {
    std::lock_guard lock(mu_);
    list = waiters_;
    waiters_ = nullptr;
  }
  while (list != nullptr) {
    Waiter* next = list->next;  // read before the unpark: the waiter's node dies with its wait
    detail::unpark(list->parker);
    list = next;
  }
}

void WaitGroup::wait() noexcept {
  if (count_.load(std::memory_order_acquire) == 0) return;
  Waiter self{detail::current_parker(), nullptr};
  {
    std::lock_guard lock(mu_);
    if (count_.load(std::memory_order_acquire) == 0) return;
    self.next = waiters_;
    waiters_ = &self;
  }
  detail::park(self.parker, detail::WaitReason::wait_group);
}

}  // namespace gopool
