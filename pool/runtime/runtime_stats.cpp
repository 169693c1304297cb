#include "gopool/runtime_stats.hpp"

#include <mutex>

#include "gopool/detail/netpoll.hpp"
#include "runtime/scheduler.hpp"

namespace gopool {

RuntimeStats runtime_stats() noexcept {
  using namespace detail;
  RuntimeStats st;
  Sched* s = sched_if_started();
  if (s == nullptr) return st;
  st.goroutines_created = s->foreign_spawned.load(std::memory_order_relaxed);
  st.stacks_cached = s->free_count.load(std::memory_order_relaxed);
  for_each_p_ever(*s, [&](P* p) {
    st.goroutines_created += p->spawned.get();
    st.goroutines_recycled += p->recycled.get();
    st.context_switches += p->switches.get();
    st.steals += p->steals.get();
    std::lock_guard lock(p->timers.lock);
    st.timers_pending += static_cast<std::int64_t>(p->timers.size_locked());
  });
  st.goroutines_alive = live_goroutines();
  st.procs = s->nprocs.load(std::memory_order_relaxed);
  st.threads = s->mcount.load(std::memory_order_relaxed);
  st.threads_idle = s->nmidle.load(std::memory_order_relaxed);
  st.threads_spinning = s->nmspinning.load(std::memory_order_relaxed);
  st.threads_blocking = s->nblocking.load(std::memory_order_relaxed);
  for (int i = 0; i < s->spare_count.load(std::memory_order_acquire); ++i) {
    P* p = s->spares[i].load(std::memory_order_acquire);
    if (p != nullptr && p->status.load(std::memory_order_acquire) != PStatus::dead) {
      ++st.spare_procs;
    }
  }
  st.netpoll_waiters = netpoll_waiters();
  st.stacks_guarded = static_cast<std::int64_t>(stacks_guarded_alive());
  st.stacks_slab = static_cast<std::int64_t>(stacks_slab_alive());
  return st;
}

}  // namespace gopool
