// WaitGroup from goroutines and foreign threads; the negative-counter fatal error.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include "support/death.hpp"

TEST_CASE("wait on a zero WaitGroup returns at once") {
  gopool::WaitGroup wg;
  wg.wait();
  CHECK(wg.count() == 0);
}

TEST_CASE("foreign threads wait for goroutines, goroutines wait for threads") {
  gopool::WaitGroup goroutines_done;
  gopool::WaitGroup threads_done;
  std::atomic<int> sum{0};
  goroutines_done.add(50);
  threads_done.add(4);
  for (int i = 0; i < 50; ++i) {
    gopool::go([&] {
      gopool::sleep_for(std::chrono::microseconds(100));
      sum.fetch_add(1);
      goroutines_done.done();
    });
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      goroutines_done.wait();  // several foreign threads wait on one group
      sum.fetch_add(100);
      threads_done.done();
    });
  }
  std::atomic<int> seen{0};
  gopool::WaitGroup waiter_done;
  waiter_done.add(1);
  gopool::go([&] {
    threads_done.wait();  // a goroutine waits for foreign threads
    seen = sum.load();
    waiter_done.done();
  });
  waiter_done.wait();
  for (auto& t : threads)
    t.join();
  CHECK(seen.load() == 450);
}

TEST_CASE("a WaitGroup can be reused once it reached zero") {
  gopool::WaitGroup wg;
  for (int round = 0; round < 100; ++round) {
    wg.add(3);
    for (int i = 0; i < 3; ++i)
      gopool::go([&] { wg.done(); });
    wg.wait();
  }
  CHECK(wg.count() == 0);
}

GOPOOL_DEATH_SCENARIO(negative_wait_group) {
  gopool::WaitGroup wg;
  gopool::WaitGroup outer;
  outer.add(1);
  gopool::go([&] {
    wg.done();  // below zero
    outer.done();
  });
  outer.wait();
}

TEST_CASE("a negative WaitGroup counter is a fatal error naming the goroutine") {
  const auto r = gopool::test::run_death_scenario("negative_wait_group");
  CHECK(r.died());
  CHECK(r.output.find("negative WaitGroup counter") != std::string::npos);
  CHECK(r.output.find("goroutine ") != std::string::npos);
  CHECK(r.output.find("wait_group_test.cpp") != std::string::npos);
}
