// ThreadSanitizer counts every goroutine as a thread and dies past 8128 threads. Dead goroutines
// the runtime keeps for reuse give their TSan threads back when live ones need them, and going
// past the limit is a gopool fatal error that names the limit and the go() site instead of
// TSan's bare "Thread limit exceeded". Other builds have no such limit: the same bursts just run.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include "support/death.hpp"

namespace {

// Starts n goroutines that wait until all n have started, then lets them end and waits for
// them. Returns how many ran to their end.
int alive_at_once(int n, const gopool::GoOptions& options = {}) {
  gopool::WaitGroup started;
  gopool::WaitGroup release;
  gopool::WaitGroup done;
  std::atomic<int> ran{0};
  started.add(n);
  release.add(1);
  done.add(n);
  for (int i = 0; i < n; ++i) {
    gopool::go(options, [&] {
      started.done();
      release.wait();
      ran.fetch_add(1);
      done.done();
    });
  }
  started.wait();
  release.done();
  done.wait();
  return ran.load();
}

}  // namespace

TEST_CASE("dead goroutines kept for reuse do not count against ThreadSanitizer's limit") {
  // 4500 default-size goroutines end and are kept for reuse; then 4500 with another stack size,
  // which cannot reuse them, are alive at once: 9000 TSan threads if the kept ones counted.
  CHECK(alive_at_once(4500) == 4500);
  CHECK(alive_at_once(4500, {.stack_size = 128 * 1024}) == 4500);
}

#if defined(GOPOOL_TSAN)

GOPOOL_DEATH_SCENARIO(past_tsan_limit) {
  std::printf("ran=%d\n", alive_at_once(9000));
  std::fflush(stdout);
  std::_Exit(0);
}

TEST_CASE("past what ThreadSanitizer allows alive at once, gopool says so and names the go()") {
  const auto r = gopool::test::run_death_scenario("past_tsan_limit");
  INFO(r.output);
  CHECK(r.died());
  CHECK(r.output.find("gopool: fatal error:") != std::string::npos);
  CHECK(r.output.find("more than ThreadSanitizer allows") != std::string::npos);
  CHECK(r.output.find("8128") != std::string::npos);
  CHECK(r.output.find("tsan_limit_test.cpp") != std::string::npos);
  CHECK(r.output.find("ThreadSanitizer: Thread limit") == std::string::npos);
}

#else

TEST_CASE("without ThreadSanitizer, 9000 goroutines may be alive at once") {
  CHECK(alive_at_once(9000) == 9000);
}

#endif
