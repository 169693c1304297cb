// A program whose goroutines park in known places, for the gdb helper's test (gdb_helper.sh):
// one in a function with a distinctive name, one asleep, one labelled and waiting on a
// WaitGroup, a pool's idle worker, and a TaskGroup's task waiting on that WaitGroup. Once all of them wait it calls gdb_helper_ready(), where
// the test's gdb stops it; then it ends (main returning while goroutines wait ends the process),
// or with --abort dumps core.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <thread>

#include <gopool/chan.hpp>
#include <gopool/debug.hpp>
#include <gopool/detail/goroutine_info.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/task_group.hpp>
#include <gopool/wait_group.hpp>

// The id of the goroutine parked in parked_in_distinctive_frame (read by the test's gdb).
volatile std::uint64_t gdb_helper_target_id = 0;
volatile int gdb_helper_sink = 0;

// The test's gdb sets a breakpoint here.
extern "C" __attribute__((noinline)) void gdb_helper_ready() {
  asm volatile("" ::: "memory");
}

namespace {

__attribute__((noinline)) void parked_in_distinctive_frame(gopool::Chan<int>& never) {
  gdb_helper_target_id = gopool::this_goroutine::id();
  const std::optional<int> v = never.recv();
  gdb_helper_sink = v.value_or(0);  // after the call, so the call is not a tail call
}

// True when at least n goroutines live and every one of them waits.
bool all_waiting(std::size_t n) {
  const auto gs = gopool::debug::goroutines();
  if (gs.size() < n) return false;
  for (const auto& g : gs) {
    if (g.state != gopool::debug::GoroutineState::waiting) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool abort_at_end = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--abort") {
      abort_at_end = true;  // end with a core dump written by the kernel (when ulimit -c allows)
    } else if (arg == "--no-guard-markers") {
      // Stacks without the kernel's guard markers, which gcore cannot read past.
      gopool::RuntimeOptions options;
      options.stack_guard_markers = false;
      if (gopool::configure(options)) return 1;
    } else {
      std::fprintf(stderr, "usage: %s [--abort] [--no-guard-markers]\n", argv[0]);
      return 2;
    }
  }
  gopool::Chan<int> never;
  gopool::WaitGroup forever;
  forever.add(1);
  gopool::go([&] { parked_in_distinctive_frame(never); });
  gopool::go([] { gopool::sleep_for(std::chrono::hours(1)); });
  gopool::go([&] {
    gopool::detail::set_goroutine_label("gdb-helper-label");
    forever.wait();
  });
  gopool::Pool pool(4);
  if (pool.post([] {})) return 1;
  // Never destroyed: the group's task never ends, and destroying the group or its pool would wait
  // for it.
  auto* group_pool = new gopool::Pool(1);
  auto* group = new gopool::TaskGroup(*group_pool);
  group->set_name("gdb-helper-group");
  group->go([&] { forever.wait(); });

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!all_waiting(5) || gdb_helper_target_id == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "the goroutines did not all park\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The coarse clock ticks while the program runs: let the waits grow measurable.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::printf("target goroutine %llu\n", static_cast<unsigned long long>(gdb_helper_target_id));
  std::fflush(stdout);
  gdb_helper_ready();
  if (abort_at_end) std::abort();
  return 0;
}
