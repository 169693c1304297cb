// The G-P-M scheduler: both Ps work, set_procs under load, lock_os_thread, recycling.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gopool/chan.hpp>
#include <gopool/detail/tuning.hpp>
#include <gopool/runtime.hpp>
#include <gopool/runtime_stats.hpp>
#include <gopool/wait_group.hpp>

#include "support/live_limit.hpp"
#include "support/os_thread.hpp"

#include "support/wait_until.hpp"

namespace {

// Spins for about d of CPU without a switch point.
void busy_for(std::chrono::microseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

}  // namespace

TEST_CASE("both Ps run goroutines: work spawned on one P is stolen by the other") {
  const int old = gopool::set_procs(2);
  const auto steals_before = gopool::runtime_stats().steals;
  std::mutex mu;
  std::set<long> threads;
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    // All children start on this P; only a steal (or the global queue) moves them.
    gopool::WaitGroup children;
    children.add(200);
    for (int i = 0; i < 200; ++i) {
      gopool::go([&] {
        busy_for(std::chrono::microseconds(200));
        {
          std::lock_guard lock(mu);
          threads.insert(gopool::test::os_thread_id());
        }
        children.done();
      });
    }
    children.wait();
    wg.done();
  });
  wg.wait();
  gopool::set_procs(old);
  CHECK(threads.size() >= 2);
  CHECK(gopool::runtime_stats().steals > steals_before);
}

TEST_CASE("set_procs up and down under load loses no goroutine") {
  const int old = gopool::set_procs(2);
  CHECK(gopool::procs() == 2);
  constexpr int kCount = 20000;
  // Under TSan the goroutines start in waves, so that how many are alive at once never
  // depends on timing (other builds start all of them in one wave).
  constexpr int kWave = std::min(kCount, gopool::test::kMaxLiveGoroutines);
  std::atomic<int> done{0};
  std::thread spawner([&] {
    for (int wave = 0; wave < kCount; wave += kWave) {
      gopool::WaitGroup wg;
      wg.add(std::min(kWave, kCount - wave));
      for (int i = wave; i < std::min(kCount, wave + kWave); ++i) {
        gopool::go([&] {
          for (int k = 0; k < 3; ++k)
            gopool::yield();
          if (done.load() % 97 == 0) gopool::sleep_for(std::chrono::microseconds(50));
          done.fetch_add(1);
          wg.done();
        });
      }
      wg.wait();
    }
  });
  for (int round = 0; round < 20; ++round) {
    gopool::set_procs(1 + round % 4);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  spawner.join();
  gopool::set_procs(1);
  CHECK(done.load() == kCount);
  CHECK(gopool::set_procs(old) == 1);
  CHECK(gopool::procs() == old);
  CHECK(gopool::set_procs(0) == old);  // 0 only queries
}

TEST_CASE("set_procs(1): a goroutine that parks lets the others run on the single P") {
  // The first goroutine starts the second and parks until the second has run: on one P the
  // second can only run once the first parked, whatever the machine's load (no sleep decides
  // the order).
  const int old = gopool::set_procs(1);
  std::atomic<int> order{0};
  int first = -1;
  int second = -1;
  gopool::WaitGroup wg;
  wg.add(2);
  gopool::go([&] {
    gopool::Chan<int> ran;
    gopool::go([&, ran] {
      second = order.fetch_add(1);
      ran.close();
      wg.done();
    });
    (void)ran.recv();  // parks: the second runs now
    first = order.fetch_add(1);
    wg.done();
  });
  wg.wait();
  gopool::set_procs(old);
  CHECK(second == 0);
  CHECK(first == 1);
}

TEST_CASE("lock_os_thread keeps a goroutine on its thread and the thread to itself") {
  const int old = gopool::set_procs(2);
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  long locked_thread = 0;
  std::atomic<bool> locked{false};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    gopool::lock_os_thread();
    gopool::lock_os_thread();  // nests
    gopool::unlock_os_thread();
    locked_thread = gopool::test::os_thread_id();
    locked = true;
    for (int i = 0; i < 200; ++i) {
      if (i % 2 == 0) {
        gopool::yield();
      } else {
        gopool::sleep_for(std::chrono::microseconds(100));
      }
      if (gopool::test::os_thread_id() != locked_thread) wrong.fetch_add(1);
    }
    gopool::unlock_os_thread();
    stop = true;
    wg.done();
  });
  CHECK(gopool::test::wait_until([&] { return locked.load(); }));
  // Other goroutines meanwhile never run on the locked thread.
  std::atomic<int> intruders{0};
  gopool::WaitGroup others;
  while (!stop.load()) {
    others.add(1);
    gopool::go([&] {
      if (!stop.load() && gopool::test::os_thread_id() == locked_thread) intruders.fetch_add(1);
      others.done();
    });
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  wg.wait();
  others.wait();
  gopool::set_procs(old);
  CHECK(wrong.load() == 0);
  CHECK(intruders.load() == 0);
}

TEST_CASE("unlock_os_thread without lock, and both outside goroutines, do nothing") {
  gopool::unlock_os_thread();
  gopool::lock_os_thread();
  gopool::unlock_os_thread();
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    gopool::unlock_os_thread();
    gopool::yield();
    wg.done();
  });
  wg.wait();
  CHECK(true);
}

TEST_CASE("recycling reuses dead goroutines; recycle=false does not") {
  const int old = gopool::set_procs(1);
  auto run_batch = [] {
    gopool::WaitGroup wg;
    wg.add(1);
    gopool::go([&] {
      for (int round = 0; round < 10; ++round) {
        gopool::WaitGroup inner;
        inner.add(50);
        for (int i = 0; i < 50; ++i)
          gopool::go([&] { inner.done(); });
        inner.wait();
      }
      wg.done();
    });
    wg.wait();
  };
  run_batch();  // warm the free lists
  const auto before = gopool::runtime_stats().goroutines_recycled;
  run_batch();
  const auto with_recycling = gopool::runtime_stats().goroutines_recycled - before;
  gopool::detail::set_recycle(false);
  const auto before_off = gopool::runtime_stats().goroutines_recycled;
  run_batch();
  const auto without = gopool::runtime_stats().goroutines_recycled - before_off;
  gopool::detail::set_recycle(true);
  gopool::set_procs(old);
  CHECK(with_recycling >= 450);
  CHECK(without == 0);
}

TEST_CASE("set_procs beyond kMaxProcs sets kMaxProcs; INT_MAX too; <= 0 only queries") {
  const int old = gopool::set_procs(10000);
  CHECK(gopool::procs() == gopool::kMaxProcs);
  CHECK(gopool::set_procs(std::numeric_limits<int>::max()) == gopool::kMaxProcs);
  CHECK(gopool::procs() == gopool::kMaxProcs);
  CHECK(gopool::set_procs(0) == gopool::kMaxProcs);
  CHECK(gopool::set_procs(-5) == gopool::kMaxProcs);
  gopool::set_procs(old);
  CHECK(gopool::procs() == old);
}
