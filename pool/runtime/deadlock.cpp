#include "runtime/deadlock.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gopool/detail/goroutine_info.hpp"
#include "gopool/runtime_stats.hpp"
#include "runtime/scheduler.hpp"

namespace gopool::detail {
namespace {

constexpr std::int64_t kConfirmNs = 100'000'000;  // the state must hold this long, unchanged

std::atomic<int> g_threads_parked{0};            // outside threads parked without a deadline
std::atomic<std::uint64_t> g_thread_wakeups{0};  // their wake-ups so far

// What sysmon saw at the last check that found everyone asleep.
struct Suspicion {
  bool armed = false;
  std::uint64_t progress = 0;
  std::int64_t since_ns = 0;
};
Suspicion g_suspicion;  // sysmon's only

// The process's thread count (field 20 of /proc/self/stat), or -1.
int process_threads() noexcept {
  std::FILE* f = std::fopen("/proc/self/stat", "r");
  if (f == nullptr) return -1;
  char buf[1024];
  const std::size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces and parens
  if (p == nullptr) return -1;
  int field = 2;
  for (++p; *p != '\0'; ++p) {
    if (*p == ' ' && ++field == 20) return std::atoi(p + 1);
  }
  return -1;
}

// True when nothing can run now nor be woken later; progress then identifies this state.
bool everyone_asleep(Sched& s, std::vector<GoroutineInfo>& goroutines, std::uint64_t& progress) {
  if (s.npidle.load(std::memory_order_acquire) < s.nprocs.load(std::memory_order_acquire)) {
    return false;
  }
  const RuntimeStats st = runtime_stats();
  if (st.goroutines_alive == 0 || st.threads_blocking != 0 || st.threads_spinning != 0 ||
      st.spare_procs != 0 || st.netpoll_waiters != 0 || st.timers_pending != 0) {
    return false;
  }
  // The thread count first: it is cheap and rules out most live programs, while the snapshot
  // copies every goroutine.
  const int parked = g_threads_parked.load(std::memory_order_acquire);
  const auto ours = static_cast<int>(st.threads) + 1;  // the Ms and sysmon
  if (process_threads() != ours + parked) return false;
  goroutines = goroutine_snapshot();
  for (const GoroutineInfo& g : goroutines) {
    if (g.state != GoroutineState::waiting) return false;
  }
  progress = static_cast<std::uint64_t>(st.context_switches + st.goroutines_created) +
             g_thread_wakeups.load(std::memory_order_acquire);
  return true;
}

[[noreturn]] void report(const std::vector<GoroutineInfo>& goroutines) noexcept {
  std::fprintf(stderr, "gopool: fatal error: all goroutines are asleep - deadlock!\n\n");
  for (const GoroutineInfo& g : goroutines) {
    std::fprintf(stderr, "goroutine %llu [%s, %lld ms]:\n\tcreated at %s:%u in %s\n\n",
                 static_cast<unsigned long long>(g.id), to_string(g.wait_reason),
                 static_cast<long long>(g.waiting_ns / 1'000'000), g.created_at.file_name(),
                 g.created_at.line(), g.created_at.function_name());
  }
  std::fflush(stderr);
  std::_Exit(2);  // Go's exit status for a fatal error
}

}  // namespace

void deadlock_note_thread_park(bool entering) noexcept {
  if (entering) {
    g_threads_parked.fetch_add(1, std::memory_order_acq_rel);
  } else {
    g_thread_wakeups.fetch_add(1, std::memory_order_acq_rel);
    g_threads_parked.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void deadlock_check(Sched& s, std::int64_t now_ns) noexcept {
  std::vector<GoroutineInfo> goroutines;
  std::uint64_t progress = 0;
  bool asleep = false;
  try {
    asleep = everyone_asleep(s, goroutines, progress);
  } catch (...) {
    asleep = false;  // no memory for the snapshot: try again next time
  }
  if (!asleep) {
    g_suspicion.armed = false;
    return;
  }
  if (!g_suspicion.armed || g_suspicion.progress != progress) {
    g_suspicion = {true, progress, now_ns};
    return;
  }
  if (now_ns - g_suspicion.since_ns >= kConfirmNs) report(goroutines);
}

}  // namespace gopool::detail
