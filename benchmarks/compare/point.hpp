// What every C++ adapter of the comparison program shares: reading "WORKLOAD N WARMUP" from the
// command line, timing, peak RSS, a per-batch latch, and printing the one-line JSON result the
// driver (compare.py) reads. Not part of the library; each adapter is one peer's program.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace compare {

// Args: the workload's name, its size n (tasks, iterations, primes...) and the size of an
// untimed warm-up run before the timed one (0 = none).
struct Args {
  std::string workload;
  long n = 0;
  long warmup = 0;
};

// parse_args: reads "WORKLOAD N [WARMUP]"; prints the usage with the workloads this adapter
// knows and exits 0 on --help, exits 2 on anything malformed.
inline Args parse_args(int argc, char** argv, const char* workloads) {
  const auto usage = [&](std::FILE* to) {
    std::fprintf(to,
                 "usage: %s WORKLOAD N [WARMUP]\n"
                 "  runs WORKLOAD once untimed at size WARMUP (default 0: no warm-up), then once\n"
                 "  timed at size N, and prints one JSON line with the figure\n"
                 "  workloads: %s\n",
                 argv[0], workloads);
  };
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    usage(stdout);
    std::exit(0);
  }
  if (argc < 3 || argc > 4) {
    usage(stderr);
    std::exit(2);
  }
  Args a;
  a.workload = argv[1];
  char* end = nullptr;
  a.n = std::strtol(argv[2], &end, 10);
  if (*end != '\0' || a.n <= 0) {
    std::fprintf(stderr, "%s: N must be a positive integer, got '%s'\n", argv[0], argv[2]);
    std::exit(2);
  }
  if (argc == 4) {
    a.warmup = std::strtol(argv[3], &end, 10);
    if (*end != '\0' || a.warmup < 0) {
      std::fprintf(stderr, "%s: WARMUP must be a non-negative integer, got '%s'\n", argv[0],
                   argv[3]);
      std::exit(2);
    }
  }
  return a;
}

// unknown_workload: reports a workload this adapter does not run; exit code 3 tells the driver
// "not supported here" apart from a failure.
[[noreturn]] inline void unknown_workload(const Args& a, const char* system) {
  std::fprintf(stderr, "%s: workload '%s' is not supported\n", system, a.workload.c_str());
  std::exit(3);
}

// Stopwatch: wall time since construction.
class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// status_kib: a field of /proc/self/status in KiB (VmHWM, VmRSS), or -1.
inline double status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::strtod(line.c_str() + n + 1, nullptr);
    }
  }
  return -1;
}

// reset_peak_rss: sets the kernel's peak-RSS mark (VmHWM) to the current RSS, so the warm-up
// does not count in the timed run's peak.
inline void reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

// BatchLatch: how a thread pool's poster waits for a batch of tasks: each task counts down, the
// last one wakes the poster (who sleeps, as gopool's Pool::wait from a thread does). It
// must outlive the last count_down (the adapters keep it static), and is re-armed per batch.
class BatchLatch {
 public:
  void arm(long count) { remaining_.store(count, std::memory_order_relaxed); }
  void count_down() {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      remaining_.notify_all();
    }
  }
  void wait() {
    for (long v = remaining_.load(std::memory_order_acquire); v != 0;
         v = remaining_.load(std::memory_order_acquire)) {
      remaining_.wait(v, std::memory_order_acquire);
    }
  }

 private:
  std::atomic<long> remaining_{0};
};

// Figure: the timed run's result. value is in unit; a second figure (peak RSS) is optional.
struct Figure {
  double value = 0;
  const char* unit = "";
  double peak_rss_mib = -1;
};

// per_item_ns / items_per_second / milliseconds: the usual ways a timed run becomes a Figure.
inline Figure per_item_ns(double seconds, double items) {
  return {seconds * 1e9 / items, "ns"};
}
inline Figure millions_per_second(double seconds, double items) {
  return {items / seconds / 1e6, "M/s"};
}
inline Figure milliseconds(double seconds) {
  return {seconds * 1e3, "ms"};
}

// report: prints the JSON line the driver reads and returns main's exit code.
inline int report(const char* system, const Args& a, const Figure& f) {
  std::printf(
      "{\"system\": \"%s\", \"workload\": \"%s\", \"n\": %ld, \"value\": %.6g, \"unit\": "
      "\"%s\"",
      system, a.workload.c_str(), a.n, f.value, f.unit);
  if (f.peak_rss_mib >= 0) {
    std::printf(", \"peak_rss_mib\": %.1f", f.peak_rss_mib);
  }
  std::printf("}\n");
  return 0;
}

// run_point: runs body(warmup) untimed when warmup > 0, then returns body(n), the timed run.
// body(size) returns the Figure of one run at that size.
template <class Body>
int run_point(const char* system, const Args& a, Body&& body) {
  if (a.warmup > 0) {
    (void)body(a.warmup);
  }
  reset_peak_rss();
  return report(system, a, body(a.n));
}

// submit_in_batches: n tasks returning 1, each given by submit() (which returns its future),
// every future got, `batch` at a time; aborts unless the results add up to n. M tasks/s.
template <class Submit>
Figure submit_in_batches(long n, long batch, Submit&& submit) {
  std::vector<decltype(submit())> futures;
  futures.reserve(static_cast<std::size_t>(batch));
  long sum = 0;
  const auto get_all = [&] {
    for (auto& f : futures) {
      sum += f.get();
    }
    futures.clear();
  };
  const Stopwatch t;
  for (long i = 0; i < n; ++i) {
    futures.push_back(submit());
    if (static_cast<long>(futures.size()) == batch) {
      get_all();
    }
  }
  get_all();
  const double s = t.seconds();
  if (sum != n) {
    std::abort();
  }
  return millions_per_second(s, static_cast<double>(n));
}

}  // namespace compare
