// Goroutine stacks: overflow is a clear fatal error with guard markers, with mapped guard pages
// and in slab mode, whatever the frame size and stack size; slab mode still runs goroutines
// correctly; a burst's stacks go back to the kernel when it ends.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <string>

#include <gopool/runtime.hpp>
#include <gopool/runtime_stats.hpp>
#include <gopool/wait_group.hpp>

#include "support/death.hpp"
#include "support/wait_until.hpp"

namespace {

volatile int g_depth_limit = 1 << 30;  // never reached: the stack ends first

__attribute__((noinline)) int recurse(int n, bool yield_each_level) {
  volatile char frame[512];
  frame[0] = static_cast<char>(n);
  if (yield_each_level) gopool::yield();
  if (n >= g_depth_limit) return frame[0];
  return recurse(n + 1, yield_each_level) + frame[0];
}

void overflow_in_goroutine(bool yield_each_level) {
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    std::printf("recursing %d\n", recurse(0, yield_each_level));
    wg.done();
  });
  wg.wait();
}

// Starts n goroutines (with options) that each run setup() and then wait; calls while_parked()
// once all wait, then lets them all end and waits for them. Returns how many ran to their end.
template <class Setup, class WhileParked>
int run_parked_burst(int n, Setup setup, WhileParked while_parked,
                     const gopool::GoOptions& options = {}) {
  gopool::WaitGroup parked;
  gopool::WaitGroup release;
  gopool::WaitGroup done;
  std::atomic<int> ran{0};
  release.add(1);
  parked.add(n);
  done.add(n);
  for (int i = 0; i < n; ++i) {
    gopool::go(options, [&] {
      setup();
      parked.done();
      release.wait();
      ran.fetch_add(1);
      done.done();
    });
  }
  parked.wait();
  while_parked();
  release.done();
  done.wait();
  return ran.load();
}

}  // namespace

GOPOOL_DEATH_SCENARIO(overflow_guarded) {
  overflow_in_goroutine(false);
}

GOPOOL_DEATH_SCENARIO(overflow_mapped_guard) {
  (void)gopool::configure({.stack_guard_markers = false});
  overflow_in_goroutine(false);
}

GOPOOL_DEATH_SCENARIO(overflow_slab) {
  (void)gopool::configure({.stack_guard_markers = false, .guarded_stack_budget = 1});
  // Take the single guarded stack, so the next ones come from a slab.
  gopool::WaitGroup hold;
  gopool::WaitGroup release;
  hold.add(1);
  release.add(1);
  gopool::go([&] {
    hold.done();
    release.wait();
  });
  hold.wait();
  overflow_in_goroutine(true);
}

namespace {

volatile std::size_t g_frame_bytes = 0;  // read at run time: the compiler cannot size it

// A frame of g_frame_bytes (alloca) of which only the lowest 4 KiB are written: without probes
// the write lands below the guard page, in whatever memory lies there.
__attribute__((noinline)) void write_low_end_of_alloca() {
  auto* volatile frame = static_cast<volatile char*>(__builtin_alloca(g_frame_bytes));
  for (std::size_t i = 0; i < 4096; ++i)
    frame[i] = 1;
}

// A fixed 1 MiB frame of which only the lowest 4 KiB are written.
__attribute__((noinline)) void write_low_end_of_1mib_frame() {
  char frame[1 << 20];
  volatile char* volatile low = frame;  // the compiler must keep both the frame and the writes
  for (std::size_t i = 0; i < 4096; ++i)
    low[i] = 1;
}

// 16 goroutines park, one runs big_frame on a default-size (64 KiB) stack, 16 more park; each
// parked goroutine keeps a live frame on its stack, so a write past the guard page lands in a
// neighbour's. Returns only if nothing noticed the overflow.
void big_frame_between_parked_goroutines(void (*big_frame)()) {
  const int ran = run_parked_burst(
      16, [] {},
      [&] {
        gopool::WaitGroup wg;
        wg.add(1);
        gopool::go([&] {
          big_frame();
          wg.done();
        });
        wg.wait();
        run_parked_burst(
            16, [] {}, [] {});
      });
  std::printf("no overflow noticed, ran=%d\n", ran);
  std::fflush(stdout);
  std::_Exit(0);
}

// Recursion with 8 KiB frames: it runs through a whole slab (64 MiB) in 8192 calls, fewer than
// ThreadSanitizer's shadow call stack holds (65 536; past it TSan itself faults).
__attribute__((noinline)) int recurse_8k_frames(int n) {
  volatile char frame[8192];
  frame[0] = static_cast<char>(n);
  if (n >= g_depth_limit) return frame[0];
  return recurse_8k_frames(n + 1) + frame[0];
}

// Recursion on a slab or plain stack, with no switch on the way down: only a fault can stop it.
void recurse_in_goroutine(const gopool::GoOptions& options) {
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go(options, [&] {
    std::printf("recursing %d\n", recurse_8k_frames(0));
    wg.done();
  });
  wg.wait();
}

}  // namespace

GOPOOL_DEATH_SCENARIO(overflow_frame_76k) {
  g_frame_bytes = 76 * 1024;
  big_frame_between_parked_goroutines(&write_low_end_of_alloca);
}

GOPOOL_DEATH_SCENARIO(overflow_frame_1m) {
  big_frame_between_parked_goroutines(&write_low_end_of_1mib_frame);
}

GOPOOL_DEATH_SCENARIO(overflow_past_guard_budget) {
  // Issue 15's F5: 30 000 parked goroutines with 128 KiB stacks use up the guarded-stack budget
  // derived from vm.max_map_count, then one more recurses.
  constexpr gopool::GoOptions kOptions{.stack_size = 128 * 1024};
#if defined(GOPOOL_TSAN)
  // ThreadSanitizer counts each goroutine as a thread and allows 8128: a small budget instead.
  (void)gopool::configure({.guarded_stack_budget = 64});
  constexpr int kParked = 256;
#else
  constexpr int kParked = 30'000;
#endif
  run_parked_burst(
      kParked, [] {}, [&] { recurse_in_goroutine(kOptions); }, kOptions);
}

GOPOOL_DEATH_SCENARIO(overflow_slab_recursion) {
  // Without guard markers and past a budget of one guarded stack, default-size stacks come from
  // a slab; the recursing goroutine never switches, so no canary check can see it.
  (void)gopool::configure({.stack_guard_markers = false, .guarded_stack_budget = 1});
  run_parked_burst(
      8, [] {}, [&] { recurse_in_goroutine({}); });
}

namespace {

// The message an overflow must end the process with: what happened, which goroutine, and the
// file of the go() that created it.
void check_overflow_named(const gopool::test::DeathResult& r) {
  INFO(r.output);
  CHECK(r.died());
  CHECK(r.output.find("gopool: fatal error: stack overflow") != std::string::npos);
  CHECK(r.output.find("goroutine ") != std::string::npos);
  CHECK(r.output.find("stack_test.cpp") != std::string::npos);
  CHECK(r.output.find("no overflow noticed") == std::string::npos);
}

}  // namespace

TEST_CASE("a 76 KiB frame on a 64 KiB stack is a named stack overflow, not a neighbour's loss") {
  check_overflow_named(gopool::test::run_death_scenario("overflow_frame_76k"));
}

TEST_CASE("a 1 MiB frame written from its low end is a named stack overflow") {
  check_overflow_named(gopool::test::run_death_scenario("overflow_frame_1m"));
}

TEST_CASE("past the guarded-stack budget, a 128 KiB goroutine's overflow is still named") {
  check_overflow_named(gopool::test::run_death_scenario("overflow_past_guard_budget"));
}

TEST_CASE("recursion on a slab stack that never switches is a named stack overflow") {
  check_overflow_named(gopool::test::run_death_scenario("overflow_slab_recursion"));
}

GOPOOL_DEATH_SCENARIO(slab_mode_works) {
  (void)gopool::configure({.stack_guard_markers = false, .guarded_stack_budget = 16});
  constexpr int kCount = 5000;
  gopool::RuntimeStats st{};
  const int ran = run_parked_burst(
      kCount, [] {},
      [&] {
        st = gopool::runtime_stats();
        std::printf("guarded=%lld slab=%lld\n", static_cast<long long>(st.stacks_guarded),
                    static_cast<long long>(st.stacks_slab));
      });
  std::printf("ran=%d\n", ran);
  std::fflush(stdout);
  std::_Exit(ran == kCount && st.stacks_guarded <= 16 && st.stacks_slab > 0 ? 0 : 1);
}

TEST_CASE("stack overflow hits the guard page: a fatal error naming the goroutine") {
  const auto r = gopool::test::run_death_scenario("overflow_guarded");
  CHECK(r.died());
  CHECK(r.output.find("stack overflow") != std::string::npos);
  CHECK(r.output.find("goroutine ") != std::string::npos);
  CHECK(r.output.find("stack_test.cpp") != std::string::npos);
}

TEST_CASE("stack overflow hits a guard page of its own mapping when guard markers are off") {
  const auto r = gopool::test::run_death_scenario("overflow_mapped_guard");
  CHECK(r.died());
  CHECK(r.output.find("stack overflow") != std::string::npos);
  CHECK(r.output.find("stack_test.cpp") != std::string::npos);
}

TEST_CASE("stack overflow in slab mode is caught by the canary at the next switch") {
  const auto r = gopool::test::run_death_scenario("overflow_slab");
  CHECK(r.died());
  CHECK(r.output.find("stack overflow") != std::string::npos);
  CHECK(r.output.find("stack_test.cpp") != std::string::npos);
}

TEST_CASE("past the guarded-stack budget, stacks come from slabs and say so once") {
  const auto r = gopool::test::run_death_scenario("slab_mode_works");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("ran=5000") != std::string::npos);
  CHECK(r.output.find("map-entry budget") != std::string::npos);
}

namespace {

// Resident memory of this process, from /proc/self/status, in KiB (0 if unreadable).
long resident_kib() {
  long kib = 0;
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    }
    std::fclose(f);
  }
  return kib;
}

__attribute__((noinline)) void touch_stack(std::size_t bytes) {
  auto* volatile frame = static_cast<volatile char*>(__builtin_alloca(bytes));
  for (std::size_t i = 0; i < bytes; i += 4096)
    frame[i] = 1;
}

}  // namespace

TEST_CASE("goroutines that end in a burst give their stack memory back, and stacks are reused") {
  // 12 000 goroutines each fault in 48 KiB of stack, then all end: beyond the dead goroutines
  // the runtime caches, their stacks go back to the kernel (in batches), and most cached ones
  // are trimmed to 16 KiB, so resident memory falls by most of what they touched. A second
  // burst then runs on the returned stacks.
#if defined(GOPOOL_TSAN)
  constexpr int kCount = 4'000;  // TSan counts each goroutine as a thread, and stops at 8128
#else
  constexpr int kCount = 12'000;
#endif
  constexpr std::size_t kTouch = 48 * 1024;
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    long peak = 0;
    const int ran = run_parked_burst(
        kCount, [] { touch_stack(kTouch); }, [&] { peak = resident_kib(); });
    CHECK(ran == kCount);
#if !defined(GOPOOL_TSAN)  // TSan's shadow of the stacks stays resident, and dwarfs them
    // At most 8192 + 64 per P dead goroutines keep 16 KiB each; the rest return everything
    // (once each has switched away for the last time).
    const long touched_kib = static_cast<long>(kCount * (kTouch / 1024));
    const bool returned =
        gopool::test::wait_until([&] { return peak - resident_kib() > touched_kib / 3; });
    INFO("resident KiB with the goroutines: " << peak << ", after: " << resident_kib());
    CHECK(returned);
#endif
  }
}
