#include "gopool/runtime_stats.hpp"

#include <mutex>

#include "runtime/scheduler.hpp"

namespace gopool {

RuntimeStats runtime_stats() noexcept {
  using namespace detail;
  RuntimeStats st;
  Sched* s = sched_if_started();
  if (s == nullptr) return st;
  st.goroutines_created = s->foreign_spawned.load(std::memory_order_relaxed);
  st.stacks_cached = s->free_count.load(std::memory_order_relaxed);
  const int n = s->allp_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    P* p = s->allp[i].load(std::memory_order_acquire);
    if (p == nullptr) continue;
    st.goroutines_created += p->spawned.get();
    st.goroutines_recycled += p->recycled.get();
    st.context_switches += p->switches.get();
    st.steals += p->steals.get();
    std::lock_guard lock(p->timers.lock);
    st.timers_pending += static_cast<std::int64_t>(p->timers.size_locked());
  }
  st.goroutines_alive = live_goroutines();
  st.procs = s->nprocs.load(std::memory_order_relaxed);
  st.threads = s->mcount.load(std::memory_order_relaxed);
  st.threads_idle = s->nmidle.load(std::memory_order_relaxed);
  st.threads_spinning = s->nmspinning.load(std::memory_order_relaxed);
  st.stacks_guarded = static_cast<std::int64_t>(stacks_guarded_alive());
  st.stacks_slab = static_cast<std::int64_t>(stacks_slab_alive());
  return st;
}

}  // namespace gopool
