#include "runtime/sysmon.hpp"

#include <algorithm>
#include <thread>

#include "gopool/detail/goroutine_info.hpp"
#include "runtime/deadlock.hpp"
#include "runtime/futex.hpp"
#include "runtime/netpoll.hpp"
#include "runtime/scheduler.hpp"
#include "runtime/timer_heap.hpp"

namespace gopool::detail {
namespace {

constexpr std::int64_t kMinDelayNs = 20'000;           // 20 us while there is work to watch
constexpr std::int64_t kMaxDelayNs = 10'000'000;       // 10 ms when nothing happens
constexpr int kIdleCyclesBeforeBackoff = 50;           // ~1 ms of nothing at the shortest period
constexpr std::int64_t kDeadlockCheckNs = 50'000'000;  // between deadlock checks while idle

std::atomic<std::int64_t> g_coarse_now{0};
std::atomic<std::uint32_t> g_sysmon_wake{0};
std::atomic<bool> g_sysmon_deep{false};  // sleeping longer than the shortest period

[[noreturn]] void sysmon_main(Sched* s) {
  std::int64_t delay = kMinDelayNs;
  int idle_cycles = 0;
  std::int64_t last_deadlock_check = 0;
  for (;;) {
    const std::int64_t now = nanotime();
    g_coarse_now.store(now, std::memory_order_relaxed);
    const bool all_idle =
        s->npidle.load(std::memory_order_relaxed) >= s->nprocs.load(std::memory_order_relaxed);
    if (s->detect_deadlock && all_idle && now - last_deadlock_check >= kDeadlockCheckNs) {
      last_deadlock_check = now;
      deadlock_check(*s, now);
    }
    bool did_something = retake(*s, now);
    // Every M busy for long: poll the network on their behalf, as Go's sysmon does.
    if (netpoll_active() && netpoll_last_poll_ns() > 10'000'000) {
      did_something = netpoll_poll() > 0 || did_something;
    }
    if (did_something) {
      idle_cycles = 0;
      delay = kMinDelayNs;
    } else if (++idle_cycles > kIdleCyclesBeforeBackoff || all_idle) {
      delay = std::min(delay * 2, kMaxDelayNs);
    }
    g_sysmon_deep.store(delay > kMinDelayNs, std::memory_order_relaxed);
    futex_wait(&g_sysmon_wake, 0, delay);
    if (g_sysmon_wake.exchange(0, std::memory_order_acq_rel) != 0) {
      delay = kMinDelayNs;
      idle_cycles = 0;
    }
  }
}

}  // namespace

std::int64_t coarse_now_ns() noexcept {
  const std::int64_t now = g_coarse_now.load(std::memory_order_relaxed);
  return now != 0 ? now : nanotime();
}

void sysmon_start(Sched& s) {
  g_coarse_now.store(nanotime(), std::memory_order_relaxed);
  std::thread(sysmon_main, &s).detach();
}

void sysmon_kick() noexcept {
  if (!g_sysmon_deep.load(std::memory_order_relaxed)) return;
  g_sysmon_wake.store(1, std::memory_order_release);
  futex_wake(&g_sysmon_wake, 1);
}

}  // namespace gopool::detail
