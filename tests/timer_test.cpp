// Sleeping and runtime timers.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <vector>

#include <gopool/detail/timer.hpp>
#include <gopool/runtime.hpp>
#include <gopool/runtime_stats.hpp>
#include <gopool/wait_group.hpp>

#include "support/live_limit.hpp"
#include "support/wait_until.hpp"

using namespace std::chrono_literals;

TEST_CASE("sleep_for never returns early, in goroutines and on threads") {
  constexpr int kCount = 200;
  std::atomic<int> early{0};
  gopool::WaitGroup wg;
  wg.add(kCount);
  for (int i = 0; i < kCount; ++i) {
    gopool::go([&, i] {
      const auto d = std::chrono::microseconds(100 + 37 * (i % 50));
      const auto start = gopool::Clock::now();
      gopool::sleep_for(d);
      if (gopool::Clock::now() - start < d) early.fetch_add(1);
      wg.done();
    });
  }
  const auto start = gopool::Clock::now();
  gopool::sleep_for(2ms);
  CHECK(gopool::Clock::now() - start >= 2ms);
  wg.wait();
  CHECK(early.load() == 0);
}

TEST_CASE("sleep_until in the past and zero or negative durations return at once") {
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    gopool::sleep_until(gopool::Clock::now() - 1s);
    gopool::sleep_for(0ms);
    gopool::sleep_for(-5ms);
    wg.done();
  });
  wg.wait();
  CHECK(true);
}

TEST_CASE("10000 sleeping goroutines hold no threads") {
  // Let the runtime start and settle first.
  gopool::WaitGroup warm;
  warm.add(1);
  gopool::go([&] { warm.done(); });
  warm.wait();
  const auto threads_before = gopool::runtime_stats().threads;
  // Under TSan fewer: all of them are alive at once, and it counts each as a thread.
  constexpr int kCount = std::min(10000, gopool::test::kMaxLiveGoroutines);
  gopool::WaitGroup asleep;
  gopool::WaitGroup wg;
  asleep.add(kCount);
  wg.add(kCount);
  for (int i = 0; i < kCount; ++i) {
    gopool::go([&] {
      asleep.done();
      gopool::sleep_for(50ms);
      wg.done();
    });
  }
  asleep.wait();
  // Threads stay near the number of Ps (a few spare Ms may exist), far from one per sleeper.
  const auto limit = std::max<std::int64_t>(threads_before, gopool::runtime_stats().procs) + 4;
  const auto stats = gopool::runtime_stats();
  CHECK(stats.threads <= limit);
  CHECK(stats.timers_pending > 0);
  wg.wait();
  CHECK(gopool::runtime_stats().threads <= limit);
}

TEST_CASE("a Timer fires its callback once at its deadline, from a thread or a goroutine") {
  std::atomic<int> fired{0};
  gopool::detail::Timer timer;
  const auto deadline = gopool::Clock::now() + 3ms;
  std::atomic<bool> late_enough{false};
  timer.start(deadline, [&] {
    late_enough = gopool::Clock::now() >= deadline;
    fired.fetch_add(1);
  });
  CHECK(gopool::test::wait_until([&] { return fired.load() == 1; }));
  CHECK(late_enough.load());
  CHECK_FALSE(timer.armed());
  CHECK_FALSE(timer.stop());

  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    gopool::detail::Timer inner;
    std::atomic<int> count{0};
    inner.start(gopool::Clock::now() + 1ms, [&] { count.fetch_add(1); });
    gopool::sleep_for(5ms);
    while (count.load() == 0)
      gopool::sleep_for(1ms);
    CHECK(count.load() == 1);
    wg.done();
  });
  wg.wait();
}

TEST_CASE("a stopped Timer never fires; starting an armed one or an empty callback throws") {
  std::atomic<int> fired{0};
  gopool::detail::Timer timer;
  timer.start(gopool::Clock::now() + 1h, [&] { fired.fetch_add(1); });
  CHECK(timer.armed());
  CHECK_THROWS_AS(timer.start(gopool::Clock::now(), [] {}), std::logic_error);
  CHECK(timer.stop());
  CHECK_FALSE(timer.armed());
  CHECK_THROWS_AS(timer.start(gopool::Clock::now(), gopool::detail::Task{}), std::invalid_argument);
  gopool::sleep_for(2ms);
  CHECK(fired.load() == 0);
}

TEST_CASE("a Timer callback can re-arm its own timer, like a ticker") {
  std::atomic<int> ticks{0};
  gopool::detail::Timer timer;
  std::function<void()> tick = [&] {
    if (ticks.fetch_add(1) + 1 < 5) timer.start(gopool::Clock::now() + 500us, tick);
  };
  timer.start(gopool::Clock::now() + 500us, tick);
  CHECK(gopool::test::wait_until([&] { return ticks.load() == 5; }));
  timer.stop();
  CHECK(ticks.load() == 5);
}

TEST_CASE("many timers fire in deadline order per heap and none is lost") {
  constexpr int kCount = 2000;
  std::vector<gopool::detail::Timer> timers(kCount);
  std::atomic<int> fired{0};
  const auto now = gopool::Clock::now();
  for (int i = 0; i < kCount; ++i) {
    timers[i].start(now + std::chrono::microseconds((i * 7919) % 5000),
                    [&] { fired.fetch_add(1); });
  }
  // Stop every other one; the rest fire.
  int stopped = 0;
  for (int i = 0; i < kCount; i += 2)
    stopped += timers[i].stop() ? 1 : 0;
  CHECK(gopool::test::wait_until([&] { return fired.load() == kCount - stopped; }));
  gopool::sleep_for(10ms);
  CHECK(fired.load() == kCount - stopped);
}
