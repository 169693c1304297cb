// The purge (ants' purgeStaleWorkers): a runtime timer callback that never blocks, re-armed
// every `expiry` while the pool is open; it stops the workers idle for longer than `expiry`.
#include <chrono>
#include <exception>
#include <new>

#include <spdlog/logger.h>

#include "gopool/detail/deadline.hpp"
#include "pools/pool_core.hpp"
#include "pools/pool_core_parts.hpp"
#include "pools/worker.hpp"
#include "pools/worker_queue.hpp"

namespace gopool::detail {

void PoolCore::start_purge() {
  if (options_.disable_purge) {
    return;
  }
  const Clock::time_point when = add_saturating(Clock::now(), to_clock_duration(options_.expiry));
  if (when != kForever) {  // an expiry beyond the clock's range never purges
    purge_timer_.start(when, [this] { purge_tick(); });
  }
}

void PoolCore::stop_purge() noexcept {
  // A running callback may re-arm once more after closed_ was set; stop again until disarmed.
  for (;;) {
    purge_timer_.stop();
    if (!purge_timer_.armed()) {
      return;
    }
  }
}

void PoolCore::purge_tick() noexcept {
  const Clock::duration expiry = to_clock_duration(options_.expiry);
  const Clock::time_point cutoff = add_saturating(Clock::now(), -expiry);
  Wakeups wk;
  lock_.lock();
  settle_locked(wk.exits);  // workers that returned since the last holder count as idle
  const bool open = !closed_.load(std::memory_order_relaxed);
  if (open) {
    try {
      idle_->take_expired(cutoff, expired_);
    } catch (const std::bad_alloc&) {
      // Nothing was taken; try again next time.
    }
  }
  lock_.unlock();
  send_exits(wk.exits);
  for (PoolWorker* w : expired_) {
    send_mail(w, PoolWorker::kExit);
  }
  expired_.clear();
  if (open) {
    try {
      purge_timer_.start(add_saturating(Clock::now(), expiry), [this] { purge_tick(); });
    } catch (const std::exception& e) {
      logger_->error("gopool: cannot re-arm the pool's purge timer: {}", e.what());
    }
  }
}
}  // namespace gopool::detail
