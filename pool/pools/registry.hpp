// The pool registry: every live pool, in creation order, for debug::stats(), the dumps and the
// Prometheus exposition. A pool joins when it is built and leaves when it is destroyed; posting
// a task never touches the registry.
#pragma once

#include <string>

namespace gopool::detail {

class PoolCore;

// next_pool_name: "pool-<n>", n counting the pools built without a name, from 1. Throws
// std::bad_alloc.
std::string next_pool_name();

// register_pool / unregister_pool: core joins or leaves the registry. Never fail; a thread
// waits briefly for the registry's mutex (never held while anyone parks).
void register_pool(PoolCore* core) noexcept;
void unregister_pool(PoolCore* core) noexcept;

// for_each_pool: calls visit(ctx, core) for every live pool in creation order, under the
// registry's mutex, so visit must neither build nor destroy a pool, nor throw. A thread waits
// for the mutex; nothing parks.
void for_each_pool(void (*visit)(void* ctx, const PoolCore& core), void* ctx) noexcept;

}  // namespace gopool::detail
