// ants_demo: ants' headline benchmark. 1 000 000 tasks that each sleep 10 ms run through a pool
// of 50 000 workers, then as 1 000 000 raw goroutines; for each the demo prints wall time, peak
// RSS and the peak number of live goroutines, with a progress line while it runs.
//
//   ants_demo [--tasks N] [--capacity N] [--sleep-ms N] [--only pool|goroutines] [--help]
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "command_line.hpp"

namespace {

struct Config {
  long tasks = 1'000'000;
  int capacity = 50'000;
  int sleep_ms = 10;
  std::string only;  // "", "pool" or "goroutines"
};

// parse: fills c from the command line. Returns nullopt to run, else the exit code.
std::optional<int> parse(int argc, char** argv, Config& c) {
  CommandLine cli(
      "ants_demo",
      "ants_demo: runs N tasks that each sleep --sleep-ms milliseconds, first through a\n"
      "gopool::Pool of --capacity workers, then as N raw goroutines, and prints wall time, peak\n"
      "RSS and the peak number of live goroutines for each (ants' benchmark).");
  cli.option("--tasks", c.tasks, "number of tasks", 1, 1'000'000'000);
  cli.option("--capacity", c.capacity, "pool capacity", 1, 1'000'000'000);
  cli.option("--sleep-ms", c.sleep_ms, "how long each task sleeps", 0, 3'600'000);
  cli.option("--only", c.only, "run only the pool or only the raw goroutines",
             {"pool", "goroutines"});
  return cli.parse(argc, argv);
}

// A field of /proc/self/status in KiB (VmRSS, VmHWM), or -1.
long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::strtol(line.c_str() + n + 1, nullptr, 10);
    }
  }
  return -1;
}

// Resets the kernel's peak-RSS mark (VmHWM) so that each phase reports its own peak.
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  return static_cast<bool>(out.flush());
}

struct Result {
  double seconds = 0;
  long peak_rss_kib = 0;
  std::int64_t peak_goroutines = 0;
};

// Runs `produce` (which starts `tasks` tasks, each calling done() at its end) while a monitor
// samples RSS and live goroutines and redraws a progress line.
template <class Produce>
Result measure(const char* label, long tasks, Produce&& produce) {
  const bool kernel_peak = reset_peak_rss();
  std::atomic<long> finished{0};
  std::atomic<bool> stop{false};
  Result r;
  std::thread monitor([&] {
    auto last_print = std::chrono::steady_clock::now();
    while (!stop.load()) {
      r.peak_goroutines = std::max(r.peak_goroutines, gopool::num_goroutines());
      r.peak_rss_kib = std::max(r.peak_rss_kib, status_kib("VmRSS"));
      const auto now = std::chrono::steady_clock::now();
      if (now - last_print >= std::chrono::milliseconds(100)) {
        last_print = now;
        std::fprintf(stderr, "\r  %-16s %9ld / %ld done, %7lld goroutines live, RSS %6.1f MiB  ",
                     label, finished.load(), tasks,
                     static_cast<long long>(gopool::num_goroutines()),
                     static_cast<double>(status_kib("VmRSS")) / 1024.0);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const auto start = std::chrono::steady_clock::now();
  produce([&finished] { finished.fetch_add(1, std::memory_order_relaxed); });
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  monitor.join();
  if (kernel_peak) {
    r.peak_rss_kib = std::max(r.peak_rss_kib, status_kib("VmHWM"));
  }
  std::fprintf(stderr, "\r  %-16s %9ld / %ld done in %.3f s%40s\n", label, finished.load(), tasks,
               r.seconds, "");
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  if (const std::optional<int> exit_code = parse(argc, argv, c)) {
    return *exit_code;
  }
  const auto nap = std::chrono::milliseconds(c.sleep_ms);
  std::printf("gopool ants_demo: %ld tasks x sleep %d ms; pool capacity %d; %d Ps\n", c.tasks,
              c.sleep_ms, c.capacity, gopool::procs());

  Result pool_result;
  Result raw_result;
  const bool run_pool = c.only.empty() || c.only == "pool";
  const bool run_raw = c.only.empty() || c.only == "goroutines";

  if (run_pool) {
    gopool::PoolOptions options;
    options.expiry = std::chrono::seconds(10);  // as ants' benchmark (DefaultExpiredTime)
    gopool::Pool pool(c.capacity, options);
    pool_result = measure("pool", c.tasks, [&](auto done) {
      gopool::WaitGroup wg;
      wg.add(c.tasks);
      // The producer is a goroutine: when the pool is full it parks until a worker frees up.
      // While workers are free it never waits, so it yields now and then: C++ code cannot be
      // preempted, and the runtime warns about goroutines that hold their P for 10 ms.
      gopool::go([&] {
        for (long i = 0; i < c.tasks; ++i) {
          if ((i & 1023) == 1023) {
            gopool::yield();
          }
          const std::error_code ec = pool.post([&] {
            gopool::sleep_for(nap);
            done();
            wg.done();
          });
          if (ec) {
            std::fprintf(stderr, "post failed: %s\n", ec.message().c_str());
            std::exit(1);
          }
        }
      });
      wg.wait();
    });
    const gopool::PoolStats s = pool.stats();
    std::printf("  pool: %llu tasks completed by %llu workers started\n",
                static_cast<unsigned long long>(s.completed),
                static_cast<unsigned long long>(s.workers_started));
  }

  if (run_raw) {
    raw_result = measure("raw goroutines", c.tasks, [&](auto done) {
      gopool::WaitGroup wg;
      wg.add(c.tasks);
      gopool::go([&] {
        for (long i = 0; i < c.tasks; ++i) {
          if ((i & 1023) == 1023) {
            gopool::yield();
          }
          gopool::go([&] {
            gopool::sleep_for(nap);
            done();
            wg.done();
          });
        }
      });
      wg.wait();
    });
  }

  std::printf("\n%-24s %12s %14s %18s\n", "", "wall time", "peak RSS", "peak goroutines");
  if (run_pool) {
    std::printf("%-24s %10.3f s %10.1f MiB %18lld\n",
                ("pool (capacity " + std::to_string(c.capacity) + ")").c_str(), pool_result.seconds,
                static_cast<double>(pool_result.peak_rss_kib) / 1024.0,
                static_cast<long long>(pool_result.peak_goroutines));
  }
  if (run_raw) {
    std::printf("%-24s %10.3f s %10.1f MiB %18lld\n", "raw goroutines", raw_result.seconds,
                static_cast<double>(raw_result.peak_rss_kib) / 1024.0,
                static_cast<long long>(raw_result.peak_goroutines));
  }
  return 0;
}
