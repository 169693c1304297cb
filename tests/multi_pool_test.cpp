// MultiPool: ants' TestMultiPool and ExampleMultiPool with the same sizes and assertions, plus
// the retry on overload and submit().
#include "gopool/multi_pool.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <ostream>
#include <system_error>

#include "gopool/chan.hpp"
#include "gopool/context.hpp"
#include "gopool/runtime.hpp"
#include "gopool/wait_group.hpp"
#include "pool_helpers.hpp"

using namespace pool_test;
using gopool::errc;
using gopool::LoadBalancing;
using gopool::MultiPool;
using gopool::PoolOptions;

namespace {

std::atomic<bool> stop_long_running{false};
void long_running_func() {
  while (!stop_long_running.load()) {
    gopool::yield();
  }
}

std::error_code construct(int size, int size_per_pool, LoadBalancing lbs, PoolOptions o = {}) {
  try {
    MultiPool mp(size, size_per_pool, lbs, std::move(o));
  } catch (const std::system_error& e) {
    return e.code();
  }
  return {};
}

// ants' testFn inside TestMultiPool.
void test_fn(MultiPool& mp) {
  for (int i = 0; i < 50; ++i) {
    REQUIRE(!mp.post(long_running_func));
  }
  CHECK(mp.waiting() == 0);
  CHECK(mp.waiting_at(-1).error == errc::invalid_pool_index);
  CHECK(mp.waiting_at(11).error == errc::invalid_pool_index);
  CHECK(mp.running() == 50);
  CHECK(mp.running_at(-1).error == errc::invalid_pool_index);
  CHECK(mp.running_at(11).error == errc::invalid_pool_index);
  CHECK(mp.running_at(11).value == -1);
  CHECK(mp.free() == 0);
  CHECK(mp.free_at(-1).error == errc::invalid_pool_index);
  CHECK(mp.free_at(11).error == errc::invalid_pool_index);
  CHECK(mp.cap() == 50);
  CHECK_FALSE(mp.is_closed());
  for (int i = 0; i < 10; ++i) {
    CHECK(mp.waiting_at(i).value == 0);
    CHECK(mp.running_at(i).value == 5);
    CHECK(mp.free_at(i).value == 0);
    CHECK(!mp.running_at(i).error);
  }
  stop_long_running = true;
  CHECK(!mp.release_timeout(3s));
  CHECK(mp.release_timeout(3s) == errc::pool_closed);
  CHECK(mp.post(static_cast<void (*)()>(nullptr)) == errc::pool_closed);
  CHECK(mp.running() == 0);
  CHECK(mp.is_closed());
  stop_long_running = false;
}

}  // namespace

TEST_CASE("TestMultiPool: 10 x 5, round robin and least tasks, stats, release, reboot") {
  CHECK(construct(-1, 10, static_cast<LoadBalancing>(8)) == errc::invalid_multi_pool_size);
  CHECK(construct(10, -1, static_cast<LoadBalancing>(8)) == errc::invalid_load_balancing_strategy);
  PoolOptions negative;
  negative.expiry = -1ns;
  CHECK(construct(10, 10, LoadBalancing::round_robin, negative) == errc::invalid_expiry);

  {
    MultiPool mp(10, 5, LoadBalancing::round_robin);
    test_fn(mp);
    mp.reboot();
    test_fn(mp);
    CHECK(!mp.tune(10));
  }
  {
    MultiPool mp(10, 5, LoadBalancing::least_tasks);
    test_fn(mp);
    mp.reboot();
    test_fn(mp);
    CHECK(!mp.tune(10));
    CHECK(mp.cap() == 100);
    CHECK(mp.tune(0) == errc::invalid_capacity);
  }
}

TEST_CASE("ExampleMultiPool: sum of 0..999 = 499500") {
  std::atomic<int> sum{0};
  gopool::WaitGroup wg;
  const int run_times = 1000;
  wg.add(run_times);
  MultiPool mp(10, run_times / 10, LoadBalancing::round_robin);
  for (int i = 0; i < run_times; ++i) {
    REQUIRE(!mp.post([&, i] {
      sum.fetch_add(i);
      wg.done();
    }));
  }
  wg.wait();
  CHECK(sum.load() == 499500);
  CHECK(!mp.release_timeout(1s));
}

TEST_CASE("round robin retries an overloaded pool once on the least loaded one") {
  int rejected = 0;
  PoolOptions o;
  o.nonblocking = true;
  o.on_reject = [&](gopool::RejectedTask) { ++rejected; };
  MultiPool mp(2, 1, LoadBalancing::round_robin, o);
  gopool::Chan<int> c;
  CloseAtExit<int> guard{c};
  REQUIRE(!mp.post([c] { (void)c.recv(); }));    // pool 0
  REQUIRE(!mp.post([c] { (void)c.recv(); }));    // pool 1
  CHECK(mp.post([] {}) == errc::pool_overload);  // both full: refused once
  CHECK(rejected == 1);
  c.send(1);
  REQUIRE(eventually([&] { return mp.busy() == 1; }));
  // Round robin may pick the busy pool; the retry finds the free one.
  for (int i = 0; i < 4; ++i) {
    gopool::Chan<int> done;
    REQUIRE(!mp.post([done] { done.close(); }));
    (void)done.recv();
    REQUIRE(eventually([&] { return mp.busy() == 1; }));
  }
  CHECK(rejected == 1);
  c.close();
  mp.wait();
}

TEST_CASE("submit through a MultiPool; a closed one refuses") {
  MultiPool mp(3, 2, LoadBalancing::least_tasks);
  auto f = mp.submit([](int a, int b) { return a * b; }, 6, 7);
  CHECK(f.get() == 42);
  mp.release();
  auto g = mp.submit([] { return 1; });
  try {
    g.get();
    FAIL("expected std::system_error");
  } catch (const std::system_error& e) {
    CHECK(e.code() == errc::pool_closed);
  }
  CHECK(mp.release_timeout(1s) == errc::pool_closed);
  mp.reboot();
  CHECK(mp.submit([] { return 2; }).get() == 2);
}

TEST_CASE("post(ctx) / submit(ctx) through a MultiPool") {
  MultiPool mp(2, 1, LoadBalancing::round_robin);
  gopool::Chan<int> c;
  CloseAtExit<int> guard{c};
  REQUIRE(!mp.post([c] { (void)c.recv(); }));
  REQUIRE(!mp.post([c] { (void)c.recv(); }));
  auto ctx = gopool::with_timeout(gopool::background(), 20ms);
  CHECK(mp.post(ctx, [] {}) == gopool::context_errc::deadline_exceeded);
  auto f = mp.submit(ctx, [] { return 1; });
  CHECK_THROWS_AS(f.get(), std::system_error);
  c.close();
  mp.wait();
  CHECK(mp.submit(gopool::background(), [] { return 3; }).get() == 3);
}
