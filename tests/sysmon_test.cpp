// The monitor thread: blocking calls hand their P over, a goroutine that never switches does
// not starve the others (seed 004), and an idle process burns no CPU.
#include <doctest/doctest.h>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include <gopool/runtime.hpp>
#include <gopool/runtime_stats.hpp>
#include <gopool/wait_group.hpp>

#include "support/death.hpp"
#include "support/wait_until.hpp"

using namespace std::chrono_literals;

TEST_CASE("blocking(): while one goroutine blocks its thread, the others run on procs = 1") {
  const int old = gopool::set_procs(1);
  std::atomic<bool> others_done{false};
  bool others_done_before_return = false;
  gopool::WaitGroup wg;
  wg.add(2);
  gopool::go([&] {
    const int r = gopool::blocking([] {
      std::this_thread::sleep_for(200ms);  // blocks the OS thread, not just the goroutine
      return 42;
    });
    others_done_before_return = others_done.load() && r == 42;
    wg.done();
  });
  gopool::go([&] {
    for (int i = 0; i < 100; ++i)
      gopool::yield();
    others_done = true;
    wg.done();
  });
  wg.wait();
  gopool::set_procs(old);
  CHECK(others_done_before_return);
}

TEST_CASE("blocking(): exceptions pass through, values come back, nesting and threads work") {
  CHECK(gopool::blocking([] { return 7; }) == 7);  // a foreign thread: just calls
  gopool::WaitGroup wg;
  wg.add(1);
  bool threw = false;
  int nested = 0;
  std::uint64_t id_inside = 1;
  std::uint64_t id_after = 0;
  gopool::go([&] {
    try {
      gopool::blocking([] { throw std::runtime_error("inside"); });
    } catch (const std::runtime_error&) {
      threw = true;
    }
    nested = gopool::blocking([&] {
      id_inside = gopool::this_goroutine::id();
      return gopool::blocking([] { return 3; }) + 1;
    });
    id_after = gopool::this_goroutine::id();
    wg.done();
  });
  wg.wait();
  CHECK(threw);
  CHECK(nested == 4);
  CHECK(id_inside == 0);  // inside, the thread acts as a foreign one
  CHECK(id_after != 0);
}

TEST_CASE("many goroutines in long blocking calls at once: all return, none lost") {
  const int old = gopool::set_procs(2);
  constexpr int kCount = 16;
  std::atomic<int> returned{0};
  std::atomic<int> quick{0};
  gopool::WaitGroup wg;
  wg.add(2 * kCount);
  for (int i = 0; i < kCount; ++i) {
    gopool::go([&] {
      gopool::blocking([] { std::this_thread::sleep_for(50ms); });
      returned.fetch_add(1);
      wg.done();
    });
    gopool::go([&] {
      gopool::yield();
      quick.fetch_add(1);
      wg.done();
    });
  }
  wg.wait();
  gopool::set_procs(old);
  CHECK(returned.load() == kCount);
  CHECK(quick.load() == kCount);
}

TEST_CASE("seed 004: on procs = 1, a busy loop does not starve a goroutine that prints") {
  const int old = gopool::set_procs(1);
  std::atomic<bool> done{false};
  int printed = 0;
  gopool::WaitGroup wg;
  wg.add(2);
  gopool::go([&] {
    volatile unsigned long spins = 0;
    while (!done.load(std::memory_order_relaxed))
      spins = spins + 1;  // never switches
    wg.done();
  });
  gopool::go([&] {
    for (int i = 0; i < 10; ++i) {
      std::printf("%d\n", i);
      ++printed;
    }
    done = true;
    wg.done();
  });
  wg.wait();
  gopool::set_procs(old);
  CHECK(printed == 10);
}

TEST_CASE("an idle process burns (almost) no CPU") {
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] { wg.done(); });  // the runtime runs
  wg.wait();
  std::this_thread::sleep_for(100ms);  // let the monitor back off
  auto cpu = [] {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return std::chrono::seconds(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           std::chrono::microseconds(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  };
  const auto before = cpu();
  std::this_thread::sleep_for(1s);
  const auto used = cpu() - before;
  INFO("CPU used over one idle second: " << used.count() << " us");
  CHECK(used < 50ms);
}

GOPOOL_DEATH_SCENARIO(thread_limit) {
  (void)gopool::configure({.procs = 1, .max_threads = 3});
  gopool::WaitGroup wg;
  wg.add(8);
  for (int i = 0; i < 8; ++i) {
    gopool::go([&] {
      gopool::blocking([] { std::this_thread::sleep_for(2s); });
      wg.done();
    });
  }
  wg.wait();
}

TEST_CASE("more threads than RuntimeOptions::max_threads is a fatal error with a clear message") {
  const auto r = gopool::test::run_death_scenario("thread_limit");
  INFO(r.output);
  CHECK(r.died());
  CHECK(r.output.find("thread limit exceeded") != std::string::npos);
}
