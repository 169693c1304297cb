// What several benchmark files need: running a body on a goroutine at a given number of Ps, and
// reading the process's memory from /proc/self/status. Not part of the library.
#pragma once

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

namespace gopool::bench {

// ProcsScope: runs a benchmark with `n` Ps, restoring the previous count afterwards.
class ProcsScope {
 public:
  explicit ProcsScope(int n) : old_(gopool::set_procs(n)) {}
  ~ProcsScope() { gopool::set_procs(old_); }
  ProcsScope(const ProcsScope&) = delete;
  ProcsScope& operator=(const ProcsScope&) = delete;

 private:
  int old_;
};

// run_on_goroutine: runs body in a goroutine with the runtime at `procs` Ps, so the timed loop
// itself runs on a goroutine; the benchmark thread only waits.
template <class F>
void run_on_goroutine(int procs, F&& body) {
  const ProcsScope scope(procs);
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    body();
    wg.done();
  });
  wg.wait();
}

// status_kib: a field of /proc/self/status in KiB (VmHWM, VmRSS, VmPTE), or -1.
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

// reset_peak_rss: resets the kernel's peak-RSS mark, so VmHWM measures from now on.
inline void reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

}  // namespace gopool::bench
