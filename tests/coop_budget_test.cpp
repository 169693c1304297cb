// The cooperative budget: a goroutine whose posts and channel operations never block still
// lets the other goroutines of its P run. (Whether it also stays under the runtime's 10 ms
// warning is a matter of speed, not behaviour: under TSan or qemu 128 operations outlast 10 ms.)
#include <doctest/doctest.h>
#include <gopool/chan.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/task_group.hpp>
#include <gopool/wait_group.hpp>

#include <atomic>

#include "support/in_goroutine.hpp"
#include "support/scaled.hpp"

namespace {

constexpr long kTasks = gopool::test::scaled(1000000L, 200000L);

// One P for the whole binary: set before the runtime starts.
const bool one_p = [] {
  gopool::RuntimeOptions options;
  options.procs = 1;
  return !gopool::configure(options);
}();

}  // namespace

TEST_CASE("a goroutine posting 1M tasks on one P lets its workers run as it goes") {
  REQUIRE(one_p);
  REQUIRE(gopool::procs() == 1);
  gopool::Pool pool(0);  // unbounded: every post finds an idle worker or starts one
  std::atomic<long> ran{0};
  long ran_at_half = -1;
  long refused = 0;
  gopool::test::in_goroutine([&] {
    for (long i = 0; i < kTasks; ++i) {
      if (pool.post([&] { ran.fetch_add(1, std::memory_order_relaxed); })) ++refused;
      if (i == kTasks / 2) ran_at_half = ran.load();
    }
  });
  pool.wait();
  CHECK(refused == 0);
  CHECK(ran.load() == kTasks);
  CHECK(ran_at_half > 0);                             // the workers ran while it posted
  CHECK(pool.stats().workers_started < kTasks / 10);  // and went back idle to be reused
}

TEST_CASE("a goroutine calling TaskGroup::go 1M times on one P lets the tasks run as it goes") {
  // Its budget sends it to the global queue rather than its P's tail; on one P the tasks
  // queued there still run first, and the caller is taken up again afterwards.
  REQUIRE(one_p);
  gopool::Pool pool(0);
  std::atomic<long> ran{0};
  long ran_at_half = -1;
  std::error_code first;
  gopool::test::in_goroutine([&] {
    gopool::TaskGroup group(pool);
    for (long i = 0; i < kTasks; ++i) {
      group.go([&] { ran.fetch_add(1, std::memory_order_relaxed); });
      if (i == kTasks / 2) ran_at_half = ran.load();
    }
    first = group.wait();
  });
  CHECK(!first);
  CHECK(ran.load() == kTasks);
  CHECK(ran_at_half > 0);                             // the tasks ran while it went on
  CHECK(pool.stats().workers_started < kTasks / 10);  // on workers that went back idle
}

TEST_CASE("a goroutine sending into a buffered channel that never fills lets its receiver run") {
  REQUIRE(one_p);
  gopool::Chan<long> ch(256);
  std::atomic<long> received{0};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    for (long v : ch)
      received.fetch_add(v, std::memory_order_relaxed);
    wg.done();
  });
  long sum = 0;
  gopool::test::in_goroutine([&] {
    for (long i = 0; i < kTasks; ++i) {
      while (!ch.try_send(1)) {
      }  // a polling sender: only the budget lets the receiver drain the buffer
      sum += 1;
    }
    ch.close();
  });
  wg.wait();
  CHECK(received.load() == sum);
}
