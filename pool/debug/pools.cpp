#include "debug/pools.hpp"

#include <new>
#include <utility>

#include "pools/pool_core.hpp"
#include "pools/registry.hpp"

namespace gopool::debug {

namespace {

PoolCounters read_counters(const gopool::detail::PoolCore& core, std::string name) {
  PoolCounters c;
  c.name = name.empty() ? core.name() : std::move(name);
  c.capacity = core.capacity();
  c.running = core.running();
  c.busy = core.busy();
  c.idle = c.running > c.busy ? c.running - c.busy : 0;
  c.waiting = core.waiting();
  const PoolStats s = core.stats();
  c.submitted = s.submitted;
  c.completed = s.completed;
  c.exceptions = s.exceptions;
  c.rejected = s.rejected;
  c.rejected_closed = s.rejected_closed;
  c.rejected_full = s.rejected_full;
  c.rejected_waiters = s.rejected_waiters;
  c.rejected_timeout = s.rejected_timeout;
  c.rejected_context = s.rejected_context;
  c.discarded = s.discarded;
  c.workers_started = s.workers_started;
  c.waits = s.waits;
  return c;
}

}  // namespace

PoolCounters pool_counters(const gopool::detail::PoolBase& pool, std::string name) {
  return read_counters(pool.core(), std::move(name));
}

namespace impl {

std::vector<PoolCounters> live_pools() {
  struct Visit {
    std::vector<PoolCounters> pools;
    bool out_of_memory = false;
  } visit;
  // The registry's walk must not throw: remember a failed allocation and throw once outside.
  gopool::detail::for_each_pool(
      [](void* ctx, const gopool::detail::PoolCore& core) {
        auto* v = static_cast<Visit*>(ctx);
        if (v->out_of_memory) return;
        try {
          v->pools.push_back(read_counters(core, {}));
        } catch (const std::bad_alloc&) {
          v->out_of_memory = true;
        }
      },
      &visit);
  if (visit.out_of_memory) throw std::bad_alloc();
  return std::move(visit.pools);
}

}  // namespace impl

}  // namespace gopool::debug
