// debug::write_prometheus: the runtime's and every pool's counters in the Prometheus text
// exposition format, version 0.0.4.
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "debug/pools.hpp"
#include "gopool/debug.hpp"

namespace gopool::debug {

namespace {

// A label value with backslash, double quote and line feed escaped, as the format asks.
std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

void family(std::ostream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

template <class T>
void sample(std::ostream& out, const char* name, T value) {
  out << name << ' ' << value << '\n';
}

// One family with one sample per pool: get(p) gives the value.
template <class Get>
void per_pool(std::ostream& out, const std::vector<PoolCounters>& pools, const char* name,
              const char* type, const char* help, Get get) {
  if (pools.empty()) return;
  family(out, name, type, help);
  for (const PoolCounters& p : pools) {
    out << name << "{pool=\"" << escape_label(p.name) << "\"} " << get(p) << '\n';
  }
}

}  // namespace

void write_prometheus(std::ostream& out) {
  const Stats s = stats();
  const RuntimeStats& r = s.runtime;
  family(out, "gopool_goroutines", "gauge", "Goroutines started and not finished.");
  sample(out, "gopool_goroutines", r.goroutines_alive);
  family(out, "gopool_goroutines_created_total", "counter", "go() calls since start.");
  sample(out, "gopool_goroutines_created_total", r.goroutines_created);
  family(out, "gopool_goroutines_recycled_total", "counter",
         "go() calls served by a dead goroutine's G and stack.");
  sample(out, "gopool_goroutines_recycled_total", r.goroutines_recycled);
  family(out, "gopool_context_switches_total", "counter", "Goroutine switches.");
  sample(out, "gopool_context_switches_total", r.context_switches);
  family(out, "gopool_steals_total", "counter", "Successful steals from another P's run queue.");
  sample(out, "gopool_steals_total", r.steals);
  family(out, "gopool_procs", "gauge", "Logical processors (Ps).");
  sample(out, "gopool_procs", r.procs);
  family(out, "gopool_threads", "gauge", "OS threads (Ms) by what they do now.");
  out << "gopool_threads{state=\"created\"} " << r.threads << '\n'
      << "gopool_threads{state=\"idle\"} " << r.threads_idle << '\n'
      << "gopool_threads{state=\"spinning\"} " << r.threads_spinning << '\n'
      << "gopool_threads{state=\"blocking\"} " << r.threads_blocking << '\n';
  family(out, "gopool_stacks", "gauge", "Goroutine stacks by kind.");
  out << "gopool_stacks{kind=\"cached\"} " << r.stacks_cached << '\n'
      << "gopool_stacks{kind=\"guarded\"} " << r.stacks_guarded << '\n'
      << "gopool_stacks{kind=\"slab\"} " << r.stacks_slab << '\n';
  family(out, "gopool_timers_pending", "gauge", "Armed timers, sleeping goroutines included.");
  sample(out, "gopool_timers_pending", r.timers_pending);
  family(out, "gopool_netpoll_waiters", "gauge", "Goroutines and threads waiting on fds.");
  sample(out, "gopool_netpoll_waiters", r.netpoll_waiters);
  family(out, "gopool_os_context_switches_total", "counter",
         "OS context switches of the process (getrusage).");
  out << "gopool_os_context_switches_total{kind=\"voluntary\"} " << s.os.voluntary_context_switches
      << '\n'
      << "gopool_os_context_switches_total{kind=\"involuntary\"} "
      << s.os.involuntary_context_switches << '\n';

  const std::vector<PoolCounters>& pools = s.pools;
  per_pool(out, pools, "gopool_pool_capacity", "gauge", "Capacity, -1 for an unbounded pool.",
           [](const PoolCounters& p) { return p.capacity; });
  if (!pools.empty()) {
    family(out, "gopool_pool_workers", "gauge", "Live workers of a pool, busy or idle.");
    for (const PoolCounters& p : pools) {
      const std::string label = escape_label(p.name);
      out << "gopool_pool_workers{pool=\"" << label << "\",state=\"busy\"} " << p.busy << '\n'
          << "gopool_pool_workers{pool=\"" << label << "\",state=\"idle\"} " << p.idle << '\n';
    }
  }
  per_pool(out, pools, "gopool_pool_waiting_callers", "gauge",
           "Callers blocked waiting for a worker.",
           [](const PoolCounters& p) { return p.waiting; });
  per_pool(out, pools, "gopool_pool_tasks_submitted_total", "counter", "Tasks accepted.",
           [](const PoolCounters& p) { return p.submitted; });
  per_pool(out, pools, "gopool_pool_tasks_completed_total", "counter",
           "Tasks that ran to the end (or threw).",
           [](const PoolCounters& p) { return p.completed; });
  per_pool(out, pools, "gopool_pool_task_exceptions_total", "counter", "Posted tasks that threw.",
           [](const PoolCounters& p) { return p.exceptions; });
  if (!pools.empty()) {
    family(out, "gopool_pool_tasks_rejected_total", "counter", "Tasks refused, by cause.");
    for (const PoolCounters& p : pools) {
      const std::string label = escape_label(p.name);
      const std::pair<const char*, std::uint64_t> causes[] = {{"closed", p.rejected_closed},
                                                              {"full", p.rejected_full},
                                                              {"waiters", p.rejected_waiters},
                                                              {"timeout", p.rejected_timeout},
                                                              {"context", p.rejected_context}};
      for (const auto& [cause, n] : causes) {
        out << "gopool_pool_tasks_rejected_total{pool=\"" << label << "\",cause=\"" << cause
            << "\"} " << n << '\n';
      }
    }
  }
  per_pool(out, pools, "gopool_pool_tasks_discarded_total", "counter",
           "Refused tasks dropped by the reject policy.",
           [](const PoolCounters& p) { return p.discarded; });
  per_pool(out, pools, "gopool_pool_workers_started_total", "counter", "Worker goroutines started.",
           [](const PoolCounters& p) { return p.workers_started; });
  if (!pools.empty()) {
    family(out, "gopool_pool_wait_seconds", "summary",
           "Time callers waited for a worker of a full pool (quantiles: upper bounds, within a "
           "factor of 2).");
    for (const PoolCounters& p : pools) {
      const std::string label = escape_label(p.name);
      const std::pair<const char*, std::chrono::nanoseconds> quantiles[] = {
          {"0.5", p.waits.p50}, {"0.9", p.waits.p90}, {"0.99", p.waits.p99}};
      for (const auto& [q, d] : quantiles) {
        out << "gopool_pool_wait_seconds{pool=\"" << label << "\",quantile=\"" << q << "\"} "
            << seconds(d) << '\n';
      }
      out << "gopool_pool_wait_seconds_sum{pool=\"" << label << "\"} " << seconds(p.waits.total)
          << '\n'
          << "gopool_pool_wait_seconds_count{pool=\"" << label << "\"} " << p.waits.count << '\n';
    }
  }
}

}  // namespace gopool::debug
