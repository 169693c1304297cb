// Goroutine stacks: overflow is a clear fatal error with guard markers, with mapped guard pages
// and in slab mode; slab mode still runs goroutines correctly.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <string>

#include <gopool/runtime.hpp>
#include <gopool/runtime_stats.hpp>
#include <gopool/wait_group.hpp>

#include "support/death.hpp"

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

GOPOOL_DEATH_SCENARIO(slab_mode_works) {
  (void)gopool::configure({.stack_guard_markers = false, .guarded_stack_budget = 16});
  constexpr int kCount = 5000;
  gopool::WaitGroup parked;
  gopool::WaitGroup release;
  gopool::WaitGroup done;
  std::atomic<int> ran{0};
  release.add(1);
  parked.add(kCount);
  done.add(kCount);
  for (int i = 0; i < kCount; ++i) {
    gopool::go([&] {
      parked.done();
      release.wait();
      ran.fetch_add(1);
      done.done();
    });
  }
  parked.wait();
  const auto st = gopool::runtime_stats();
  std::printf("guarded=%lld slab=%lld\n", static_cast<long long>(st.stacks_guarded),
              static_cast<long long>(st.stacks_slab));
  release.done();
  done.wait();
  std::printf("ran=%d\n", ran.load());
  std::fflush(stdout);
  std::_Exit(ran.load() == kCount && st.stacks_guarded <= 16 && st.stacks_slab > 0 ? 0 : 1);
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
