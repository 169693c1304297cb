// PoolOptions: everything a pool can be configured with besides its capacity (ants' Options).
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "gopool/export.hpp"
#include "gopool/reject_policy.hpp"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace gopool {

// PoolOptions: the settings of a Pool, PoolWithFunc or MultiPool. A default-constructed
// PoolOptions gives ants' defaults. Invalid values make the pool's constructor throw
// std::system_error with the matching gopool::errc; none is silently ignored.
struct GOPOOL_API PoolOptions {
  // The pool's name, shown by debug::stats(), the goroutine dumps (its workers are grouped
  // under it), the Prometheus exposition and the pool's log messages. Empty: "pool-<n>", n
  // counting the unnamed pools from 1. A MultiPool names its members "<name>/<i>". Names need
  // not be unique.
  std::string name;

  // How long a worker may stay idle before the purge stops it; the purge runs every `expiry`.
  // Zero means 1 s (ants' DefaultCleanIntervalTime). Negative: errc::invalid_expiry, unless
  // disable_purge is set (then expiry is not used at all).
  std::chrono::nanoseconds expiry{0};

  // Keep idle workers forever: no purge (ants' WithDisablePurge).
  bool disable_purge = false;

  // Keep idle workers in a ring of `capacity` slots allocated up front instead of the growing
  // FILO stack (ants' WithPreAlloc). Requires a bounded capacity (errc::invalid_pre_alloc_size
  // otherwise); the capacity of such a pool cannot be tune()d.
  bool pre_alloc = false;

  // Never block a caller when the pool is full: post() returns errc::pool_overload at once
  // (ants' WithNonblocking). Makes max_blocking_tasks irrelevant.
  bool nonblocking = false;

  // At most this many callers may wait for a worker at once; the next one gets
  // errc::pool_overload. 0 = no limit. Negative: errc::invalid_max_blocking_tasks.
  int max_blocking_tasks = 0;

  // What to do with a rejected task besides returning the error (see RejectHandler): abort
  // (default), caller_runs, discard, or a callback receiving the task.
  RejectHandler on_reject;

  // Receives every exception a posted task throws (ants' PanicHandler), in the worker goroutine
  // right after the task ended. Empty: the exception is logged (error level) instead. Tasks
  // from submit() send their exceptions to their future, never here. Whatever the handler
  // throws is logged and dropped.
  std::function<void(std::exception_ptr)> on_exception;

  // The logger for the pool's messages (ants' WithLogger). Null: the shared spdlog logger named
  // "gopool" (created on stderr if nobody registered one).
  std::shared_ptr<spdlog::logger> logger;

  // Stack size of the worker goroutines in bytes; 0 = the runtime default. Otherwise it must
  // lie within [16 KiB, 1 GiB] (errc::invalid_stack_size).
  std::size_t stack_size = 0;
};

}  // namespace gopool
