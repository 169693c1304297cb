#include <sys/resource.h>

#include <ostream>

#include "debug/pools.hpp"
#include "gopool/debug.hpp"

namespace gopool::debug {

namespace {

OsStats os_stats() noexcept {
  OsStats os;
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return os;  // cannot fail for RUSAGE_SELF
  os.voluntary_context_switches = usage.ru_nvcsw;
  os.involuntary_context_switches = usage.ru_nivcsw;
  os.max_rss_bytes = static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux: KiB
  os.user_cpu = std::chrono::seconds(usage.ru_utime.tv_sec) +
                std::chrono::microseconds(usage.ru_utime.tv_usec);
  os.system_cpu = std::chrono::seconds(usage.ru_stime.tv_sec) +
                  std::chrono::microseconds(usage.ru_stime.tv_usec);
  return os;
}

}  // namespace

Stats stats() {
  Stats s;
  s.runtime = runtime_stats();
  s.os = os_stats();
  s.pools = impl::live_pools();
  return s;
}

void write_stats(std::ostream& out, const Stats& s) {
  const RuntimeStats& r = s.runtime;
  out << "goroutines: " << r.goroutines_alive << " alive, " << r.goroutines_created << " created, "
      << r.goroutines_recycled << " recycled\n"
      << "scheduler: " << r.context_switches << " goroutine switches, " << r.steals << " steals, "
      << r.procs << " Ps\n"
      << "threads (Ms): " << r.threads << " created, " << r.threads_idle << " idle, "
      << r.threads_spinning << " spinning, " << r.threads_blocking << " in blocking calls; "
      << r.spare_procs << " spare Ps for long-running goroutines\n"
      << "stacks: " << r.stacks_cached << " cached, " << r.stacks_guarded << " guarded, "
      << r.stacks_slab << " from slabs\n"
      << "timers: " << r.timers_pending << " pending; netpoll: " << r.netpoll_waiters
      << " waiting on fds\n"
      << "os: " << s.os.voluntary_context_switches << " voluntary and "
      << s.os.involuntary_context_switches << " involuntary context switches, "
      << s.os.user_cpu.count() / 1000 << " ms user, " << s.os.system_cpu.count() / 1000
      << " ms system, max rss " << s.os.max_rss_bytes / 1024 << " KiB\n";
  for (const PoolCounters& p : s.pools) {
    out << "pool \"" << p.name << "\": cap " << p.capacity << ", " << p.running << " running ("
        << p.busy << " busy, " << p.idle << " idle), " << p.waiting << " waiting; " << p.submitted
        << " submitted, " << p.completed << " completed, " << p.exceptions << " exceptions, "
        << p.rejected << " rejected (" << p.rejected_closed << " closed, " << p.rejected_full
        << " full, " << p.rejected_waiters << " too many waiting, " << p.rejected_timeout
        << " timed out, " << p.rejected_context << " context done); " << p.waits.count
        << " waited for a worker";
    if (p.waits.count > 0) {
      out << " (p50 <= " << p.waits.p50.count() / 1000
          << " us, p99 <= " << p.waits.p99.count() / 1000 << " us, max "
          << p.waits.max.count() / 1000 << " us)";
    }
    out << '\n';
  }
}

}  // namespace gopool::debug
