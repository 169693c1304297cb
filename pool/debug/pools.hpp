// The pools the dumps, stats() and the Prometheus exposition see, through the pool layer's
// registry.
#pragma once

#include <vector>

#include "gopool/debug.hpp"

namespace gopool::debug::impl {

// live_pools: the counters of every live pool, in creation order. Throws std::bad_alloc.
std::vector<PoolCounters> live_pools();

}  // namespace gopool::debug::impl
