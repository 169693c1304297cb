#include "debug/pools.hpp"

#include <cstdint>
#include <new>
#include <utility>

#include "gopool/detail/pool_core.hpp"

namespace gopool::detail {

// for_each_pool: the pool layer's registry, when it has one: calls visit(ctx, core, name) for
// every live pool, under the registry's lock (visit must not create or destroy pools). Declared
// weak: a program without the pool layer (or before it keeps a registry) simply has no pools
// to report, and this file needs no change when the registry arrives.
[[gnu::weak]] void for_each_pool(void (*visit)(void* ctx, const PoolCore& core, const char* name),
                                 void* ctx);

}  // namespace gopool::detail

namespace gopool::debug {

namespace {

// submitted_of: tasks a pool accepted: its own count once PoolStats has one, else those
// finished plus those granted and not finished yet.
template <class S>
std::uint64_t submitted_of(const S& s, int busy) {
  if constexpr (requires { s.submitted; }) {
    return s.submitted;
  } else {
    return s.completed + static_cast<std::uint64_t>(busy > 0 ? busy : 0);
  }
}

// read_counters: the counters of a PoolCore or a PoolBase (they share most members; PoolStats
// may or may not count submitted tasks itself).
template <class P>
PoolCounters read_counters(const P& pool, std::string name) {
  PoolCounters c;
  c.name = std::move(name);
  if constexpr (requires { pool.capacity(); }) {
    c.capacity = pool.capacity();
  } else {
    c.capacity = pool.cap();
  }
  c.running = pool.running();
  c.busy = pool.busy();
  c.waiting = pool.waiting();
  const PoolStats s = pool.stats();
  c.completed = s.completed;
  c.rejected = s.rejected;
  c.exceptions = s.exceptions;
  c.submitted = submitted_of(s, c.busy);
  return c;
}

}  // namespace

PoolCounters pool_counters(const gopool::detail::PoolBase& pool, std::string name) {
  return read_counters(pool, std::move(name));
}

namespace impl {

std::vector<PoolCounters> live_pools() {
  if (&gopool::detail::for_each_pool == nullptr) return {};
  struct Visit {
    std::vector<PoolCounters> pools;
    bool out_of_memory = false;
  } visit;
  // No exception may cross the pool layer's code: remember it and throw once outside.
  gopool::detail::for_each_pool(
      [](void* ctx, const gopool::detail::PoolCore& core, const char* name) {
        auto* v = static_cast<Visit*>(ctx);
        if (v->out_of_memory) return;
        try {
          v->pools.push_back(read_counters(core, name != nullptr ? name : ""));
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
