#include "pools/registry.hpp"

#include <atomic>
#include <mutex>

#include "pools/pool_core.hpp"

namespace gopool::detail {
namespace {

struct Registry {
  std::mutex mu;
  PoolCore* head = nullptr;  // oldest
  PoolCore* tail = nullptr;  // newest
};

Registry& registry() noexcept {
  static Registry* r = new Registry();  // never destroyed: pools may outlive static destructors
  return *r;
}

std::atomic<unsigned long> g_unnamed{0};

}  // namespace

std::string next_pool_name() {
  return "pool-" + std::to_string(g_unnamed.fetch_add(1, std::memory_order_relaxed) + 1);
}

void register_pool(PoolCore* core) noexcept {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  core->registry_prev_ = r.tail;
  core->registry_next_ = nullptr;
  (r.tail != nullptr ? r.tail->registry_next_ : r.head) = core;
  r.tail = core;
}

void unregister_pool(PoolCore* core) noexcept {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  (core->registry_prev_ != nullptr ? core->registry_prev_->registry_next_ : r.head) =
      core->registry_next_;
  (core->registry_next_ != nullptr ? core->registry_next_->registry_prev_ : r.tail) =
      core->registry_prev_;
  core->registry_prev_ = core->registry_next_ = nullptr;
}

void for_each_pool(void (*visit)(void* ctx, const PoolCore& core), void* ctx) noexcept {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  for (const PoolCore* core = r.head; core != nullptr; core = core->registry_next_) {
    visit(ctx, *core);
  }
}

}  // namespace gopool::detail
