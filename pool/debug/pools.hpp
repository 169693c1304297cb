// The pools the dump and stats() can see, through the pool layer's registry.
#pragma once

#include <string>
#include <vector>

#include "gopool/debug.hpp"

namespace gopool::debug::impl {

// live_pools: the counters of every live pool the pool layer reports, in its order. Empty when
// the pool layer is not linked in or does not keep a registry. Throws std::bad_alloc.
std::vector<PoolCounters> live_pools();

}  // namespace gopool::debug::impl
