// Pool and the default pool: ants' ants_test.go and example_test.go, case by case with the same
// sizes, counts and assertions (sleeps that only waited for a state poll for that state), plus
// gopool's additions: futures, wait(), post_for, reject policies, busy(), bad input.
#include "gopool/pool.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "gopool/chan.hpp"
#include "gopool/context.hpp"
#include "gopool/detail/spin_lock.hpp"
#include "gopool/runtime.hpp"
#include "gopool/wait_group.hpp"
#include "pool_helpers.hpp"
#include "support/live_limit.hpp"

using namespace pool_test;
using gopool::errc;
using gopool::Pool;
using gopool::PoolOptions;

namespace {

// ants' longRunningFunc: yields until told to stop.
std::atomic<bool> stop_long_running{false};
void long_running_func() {
  while (!stop_long_running.load()) {
    gopool::yield();
  }
}

PoolOptions with_pre_alloc() {
  PoolOptions o;
  o.pre_alloc = true;
  return o;
}

}  // namespace

TEST_CASE("TestAntsPoolWaitToGetWorker: 100000 tasks of 100 ms through 1000 workers") {
  gopool::WaitGroup wg;
  std::atomic<int> ran{0};
  // No purge: every worker started stays for reuse, so the count of starts is exact whatever
  // the speed of the machine (with a purge, a slow poster lets idle workers expire).
  PoolOptions no_purge;
  no_purge.disable_purge = true;
  Pool p(kAntsSize, no_purge);
  for (int i = 0; i < kN; ++i) {
    wg.add(1);
    REQUIRE(!p.post([&] {
      demo_pool_func(kParam);
      ran.fetch_add(1);
      wg.done();
    }));
  }
  wg.wait();
  CHECK(ran.load() == kN);
  CHECK(p.running() <= kAntsSize);
  CHECK(p.stats().workers_started <= static_cast<std::uint64_t>(kAntsSize));
}

TEST_CASE("TestAntsPoolWaitToGetWorkerPreMalloc: the same through a pre-allocated ring") {
  gopool::WaitGroup wg;
  std::atomic<int> ran{0};
  Pool p(kAntsSize, with_pre_alloc());
  for (int i = 0; i < kN; ++i) {
    wg.add(1);
    REQUIRE(!p.post([&] {
      demo_pool_func(kParam);
      ran.fetch_add(1);
      wg.done();
    }));
  }
  wg.wait();
  CHECK(ran.load() == kN);
  CHECK(p.running() <= kAntsSize);
}

TEST_CASE("TestAntsPoolGetWorkerFromCache: workers are reused after two purge intervals") {
  Pool p(kTestSize);
  for (int i = 0; i < kAntsSize; ++i) {
    REQUIRE(!p.post(demo_func));
  }
  std::this_thread::sleep_for(2 * kDefaultCleanInterval);
  CHECK(!p.post(demo_func));
  CHECK(p.running() >= 1);
}

TEST_CASE("TestAntsPool: the default pool runs 100000 tasks") {
  gopool::default_pool().reboot();
  // The default pool is unbounded: under TSan the tasks go in waves, so that how many workers
  // are alive at once never depends on timing (other builds post all of them in one wave).
  constexpr int kWave = std::min(kN, gopool::test::kMaxLiveGoroutines);
  std::atomic<int> ran{0};
  for (int wave = 0; wave < kN; wave += kWave) {
    gopool::WaitGroup wg;
    for (int i = wave; i < std::min(kN, wave + kWave); ++i) {
      wg.add(1);
      REQUIRE(!gopool::post([&] {
        demo_func();
        ran.fetch_add(1);
        wg.done();
      }));
    }
    wg.wait();
  }
  CHECK(ran.load() == kN);
  CHECK(gopool::default_pool().cap() == gopool::kDefaultPoolCapacity);
  CHECK(gopool::default_pool().free() ==
        gopool::kDefaultPoolCapacity - gopool::default_pool().running());
  gopool::default_pool().release();
}

TEST_CASE("TestPanicHandler: a throwing task goes to on_exception and gives its worker back") {
  for (bool pre_alloc : {false, true}) {
    CAPTURE(pre_alloc);
    std::atomic<int> counter{0};
    gopool::WaitGroup wg;
    std::string what;
    PoolOptions o;
    o.pre_alloc = pre_alloc;
    o.on_exception = [&](std::exception_ptr e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::runtime_error& err) {
        what = err.what();
      }
      counter.fetch_add(1);
      wg.done();
    };
    Pool p0(10, o);
    wg.add(1);
    REQUIRE(!p0.post([] { throw std::runtime_error("Oops!"); }));
    wg.wait();
    CHECK(counter.load() == 1);
    CHECK(what == "Oops!");
    CHECK(p0.running() == 0);  // "pool should be empty after panic"
    CHECK(p0.stats().exceptions == 1);
    // The pool still works.
    gopool::WaitGroup wg2;
    wg2.add(1);
    REQUIRE(!p0.post([&] { wg2.done(); }));
    wg2.wait();
  }
}

TEST_CASE("TestPoolPanicWithoutHandler: without a handler the exception is logged") {
  for (bool pre_alloc : {false, true}) {
    CAPTURE(pre_alloc);
    LogCapture log;
    PoolOptions o;
    o.pre_alloc = pre_alloc;
    o.logger = log.logger();
    Pool p0(10, o);
    REQUIRE(!p0.post([] { throw std::runtime_error("Oops!"); }));
    p0.wait();
    CHECK(p0.stats().exceptions == 1);
    CHECK(log.text().find("Oops!") != std::string::npos);
    CHECK(eventually([&] { return p0.running() == 0; }));
  }
}

TEST_CASE("TestPurgePool: 500 idle workers are all purged after the expiry") {
  const int size = 500;
  gopool::Chan<int> ch;
  Pool p(size);
  for (int i = 0; i < size; ++i) {
    const int j = i + 1;
    REQUIRE(!p.post([ch, j] {
      (void)ch.recv();
      demo_pool_func(j % 100);
    }));
  }
  CHECK(p.running() == size);  // "pool should be full"
  ch.close();
  // ants sleeps 5 s (5 x expiry) and then expects 0; wait for that state instead.
  CHECK(eventually([&] { return p.running() == 0; }, 5 * kDefaultCleanInterval + 5s));
  CHECK(p.running() == 0);  // "pool should be empty after purge"
  CHECK(p.busy() == 0);
}

TEST_CASE("TestPurgePreMallocPool: an idle pre-allocated worker is purged") {
  Pool p(10, with_pre_alloc());
  REQUIRE(!p.post(demo_func));
  CHECK(eventually([&] { return p.running() == 0; }, 3 * kDefaultCleanInterval + 5s));
}

TEST_CASE("TestNonblockingSubmit: the 11th task of a full nonblocking pool is pool_overload") {
  const int pool_size = 10;
  PoolOptions o;
  o.nonblocking = true;
  Pool p(pool_size, o);
  stop_long_running = false;
  for (int i = 0; i < pool_size - 1; ++i) {
    REQUIRE_MESSAGE(!p.post(long_running_func), "nonblocking submit when pool is not full");
  }
  gopool::Chan<int> ch;
  gopool::Chan<int> ch1;
  // p is full now.
  REQUIRE(!p.post([ch, ch1] {
    (void)ch.recv();
    ch1.close();
  }));
  CHECK(p.post(demo_func) == errc::pool_overload);
  // interrupt f to get an available worker
  ch.close();
  (void)ch1.recv();
  CHECK(eventually([&] { return p.busy() == pool_size - 1; }));  // f's worker is idle again
  CHECK(!p.post(demo_func));
  stop_long_running = true;
}

TEST_CASE("TestMaxBlockingSubmit: one caller may wait, the second is pool_overload") {
  const int pool_size = 10;
  PoolOptions o;
  o.max_blocking_tasks = 1;
  Pool p(pool_size, o);
  stop_long_running = false;
  for (int i = 0; i < pool_size - 1; ++i) {
    REQUIRE(!p.post(long_running_func));
  }
  gopool::Chan<int> ch;
  // p is full now.
  REQUIRE(!p.post([ch] { (void)ch.recv(); }));
  gopool::WaitGroup wg;
  wg.add(1);
  std::atomic<bool> blocked_failed{false};
  gopool::go([&] {
    // should be blocked. blocking num == 1
    if (p.post(demo_func)) {
      blocked_failed = true;
    }
    wg.done();
  });
  REQUIRE(eventually([&] { return p.waiting() == 1; }));
  // already reached max blocking limit
  CHECK(p.post(demo_func) == errc::pool_overload);
  // interrupt f to make blocking submit successful.
  ch.close();
  wg.wait();
  CHECK_FALSE(blocked_failed.load());  // "blocking submit when pool is full should not fail"
  stop_long_running = true;
}

TEST_CASE("TestRebootDefaultPool: release_timeout, pool_closed, reboot") {
  auto& dp = gopool::default_pool();
  dp.reboot();  // should do nothing inside (or reopen after TestAntsPool)
  gopool::WaitGroup wg;
  wg.add(1);
  REQUIRE(!gopool::post([&] {
    demo_func();
    wg.done();
  }));
  wg.wait();
  CHECK(!dp.release_timeout(1s));
  CHECK(gopool::post(static_cast<void (*)()>(nullptr)) == errc::pool_closed);  // "closed"
  dp.reboot();
  wg.add(1);
  CHECK_MESSAGE(!gopool::post([&] { wg.done(); }), "pool should be rebooted");
  wg.wait();
  dp.release();
}

TEST_CASE("TestRebootNewPool: a new pool can be released and rebooted") {
  gopool::WaitGroup wg;
  Pool p(10);
  wg.add(1);
  REQUIRE(!p.post([&] {
    demo_func();
    wg.done();
  }));
  wg.wait();
  CHECK(!p.release_timeout(1s));
  CHECK(p.post(static_cast<void (*)()>(nullptr)) == errc::pool_closed);
  p.reboot();
  wg.add(1);
  CHECK_MESSAGE(!p.post([&] { wg.done(); }), "pool should be rebooted");
  wg.wait();
}

TEST_CASE("TestInfinitePool: unbounded: nested posts never block, free() is -1, no tune") {
  gopool::Chan<int> c;
  Pool p(-1);
  REQUIRE(!p.post([&p, c] { REQUIRE(!p.post([c] { (void)c.recv(); })); }));
  c.send(1);
  CHECK(eventually([&] { return p.busy() == 0; }));
  CHECK(p.running() == 2);  // "expect 2 workers running"
  CHECK(p.free() == -1);    // "expect -1 of free workers by unlimited pool"
  CHECK(p.tune(10) == errc::capacity_not_tunable);
  CHECK(p.cap() == -1);
  PoolOptions o;
  o.pre_alloc = true;
  try {
    Pool bad(-1, o);
    FAIL("pre_alloc with an unbounded capacity must throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == errc::invalid_pre_alloc_size);
  }
}

namespace {

// ants' testPoolWithDisablePurge.
void test_pool_with_disable_purge(Pool& p, int num_worker,
                                  std::chrono::milliseconds wait_for_purge) {
  gopool::Chan<int> sig;
  gopool::WaitGroup wg1;
  gopool::WaitGroup wg2;
  wg1.add(num_worker);
  wg2.add(num_worker);
  for (int i = 0; i < num_worker; ++i) {
    REQUIRE(!p.post([&, sig] {
      wg1.done();
      (void)sig.recv();
      wg2.done();
    }));
  }
  wg1.wait();
  CHECK(p.running() == num_worker);
  CHECK(p.free() == 0);
  // Finish all tasks and wait past the expiry: with purge disabled every worker stays.
  sig.close();
  wg2.wait();
  std::this_thread::sleep_for(wait_for_purge + wait_for_purge / 2);
  CHECK(p.running() == num_worker);
  CHECK(p.free() == 0);
  CHECK(!p.release_timeout(wait_for_purge + wait_for_purge / 2));
  CHECK(p.running() == 0);
  CHECK(p.free() == num_worker);
}

}  // namespace

TEST_CASE("TestWithDisablePurgePool: idle workers stay") {
  const int num_worker = 10;
  PoolOptions o;
  o.disable_purge = true;
  Pool p(num_worker, o);
  test_pool_with_disable_purge(p, num_worker, kDefaultCleanInterval);
}

TEST_CASE("TestWithDisablePurgeAndWithExpirationPool: expiry is ignored without purge") {
  const int num_worker = 10;
  PoolOptions o;
  o.disable_purge = true;
  o.expiry = 100ms;
  Pool p(num_worker, o);
  test_pool_with_disable_purge(p, num_worker, 100ms);
}

TEST_CASE("TestReleaseWhenRunningPool: release() frees callers blocked on a size-1 pool") {
  gopool::WaitGroup wg;
  Pool p(1);
  std::atomic<int> ran{0};
  std::atomic<int> closed{0};
  std::atomic<int> other{0};
  wg.add(2);
  auto submitter = [&](int from) {
    for (int i = from; i < from + 30; ++i) {
      const std::error_code ec = p.post([&] {
        gopool::sleep_for(1s);
        ran.fetch_add(1);
      });
      if (ec == errc::pool_closed) {
        closed.fetch_add(1);
      } else if (ec) {
        other.fetch_add(1);
      }
    }
    wg.done();
  };
  gopool::go([&] { submitter(0); });
  std::thread t([&] { submitter(100); });
  std::this_thread::sleep_for(3s);
  p.release();
  wg.wait();  // "wait for all goroutines to exit..."
  t.join();
  CHECK(other.load() == 0);
  CHECK(closed.load() > 0);
  CHECK(!p.release_timeout(2s) == false);  // already closed: pool_closed
  CHECK(eventually([&] { return p.running() == 0; }));
  CHECK(ran.load() + closed.load() == 60);  // accepted tasks all ran, the rest were refused
}

TEST_CASE("TestRestCodeCoverage: bad options throw; tune on a busy pool") {
  auto code_of = [](int capacity, PoolOptions o) {
    try {
      Pool p(capacity, std::move(o));
    } catch (const std::system_error& e) {
      return e.code();
    }
    return std::error_code{};
  };
  PoolOptions negative;
  negative.expiry = -1ns;
  CHECK(code_of(-1, negative) == errc::invalid_expiry);
  CHECK(code_of(1, negative) == errc::invalid_expiry);

  PoolOptions options;
  options.expiry = 10s;
  options.nonblocking = true;
  options.pre_alloc = true;
  Pool pool_opts(1, options);
  CHECK(pool_opts.cap() == 1);

  // ants' size, but within what TSan allows alive at once (it counts each worker as a thread).
  constexpr int kSize = std::min(kTestSize, gopool::test::kMaxLiveGoroutines);
  LogCapture log;
  PoolOptions with_logger;
  with_logger.logger = log.logger();
  {
    Pool p0(kSize, with_logger);
    for (int i = 0; i < kN; ++i) {
      REQUIRE(!p0.post(demo_func));
    }
    CHECK(p0.cap() == kSize);
    CHECK(p0.running() <= kSize);
    CHECK(!p0.tune(kSize));
    CHECK(!p0.tune(kSize / 10));
    CHECK(p0.cap() == kSize / 10);
    p0.wait();
    CHECK(p0.stats().completed == static_cast<std::uint64_t>(kN));
  }
  {
    Pool p1(kSize, with_pre_alloc());
    for (int i = 0; i < kN; ++i) {
      REQUIRE(!p1.post(demo_func));
    }
    CHECK(p1.tune(kSize) == errc::capacity_not_tunable);
    CHECK(p1.tune(kSize / 10) == errc::capacity_not_tunable);
    CHECK(p1.cap() == kSize);
    p1.wait();
    CHECK(p1.stats().completed == static_cast<std::uint64_t>(kN));
  }
}

TEST_CASE("TestPoolTuneScaleUp: 2 -> 3 -> 8 with blocked submitters all completing") {
  gopool::Chan<int> c;
  Pool p(2);
  for (int i = 0; i < 2; ++i) {
    REQUIRE(!p.post([c] { (void)c.recv(); }));
  }
  CHECK(p.running() == 2);
  // test pool tune scale up one
  CHECK(!p.tune(3));
  REQUIRE(!p.post([c] { (void)c.recv(); }));
  CHECK(p.running() == 3);
  // test pool tune scale up multiple
  gopool::WaitGroup wg;
  std::atomic<int> failed{0};
  for (int i = 0; i < 5; ++i) {
    wg.add(1);
    gopool::go([&, c] {
      if (p.post([c] { (void)c.recv(); })) {
        failed.fetch_add(1);
      }
      wg.done();
    });
  }
  CHECK(eventually([&] { return p.waiting() == 5; }));
  CHECK(!p.tune(8));
  wg.wait();
  CHECK(failed.load() == 0);
  CHECK(p.running() == 8);
  for (int i = 0; i < 8; ++i) {
    c.send(1);
  }
  p.release();
}

TEST_CASE("TestPoolTuneScaleDown: shrinking is lazy; surplus workers exit as they finish") {
  gopool::Chan<int> c;
  Pool p(4);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(!p.post([c] { (void)c.recv(); }));
  }
  CHECK(!p.tune(2));
  CHECK(p.running() == 4);
  c.close();
  CHECK(eventually([&] { return p.running() == 2 && p.busy() == 0; }));
  CHECK(p.tune(0) == errc::invalid_capacity);
  CHECK(p.tune(-3) == errc::invalid_capacity);
  CHECK(p.cap() == 2);
}

TEST_CASE("TestReleaseTimeout: waits for running tasks") {
  Pool p(10);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(!p.post([] { gopool::sleep_for(1s); }));
  }
  CHECK(p.running() != 0);
  CHECK(!p.release_timeout(2s));
  CHECK(p.running() == 0);
  CHECK(p.release_timeout(2s) == errc::pool_closed);
}

TEST_CASE("release_timeout reports errc::timeout when tasks outlast it") {
  Pool p(2);
  gopool::Chan<int> c;
  REQUIRE(!p.post([c] { (void)c.recv(); }));
  CHECK(p.release_timeout(20ms) == errc::timeout);
  c.close();
  CHECK(eventually([&] { return p.running() == 0; }));
}

TEST_CASE("TestDefaultPoolReleaseTimeout") {
  auto& dp = gopool::default_pool();
  dp.reboot();
  for (int i = 0; i < 5; ++i) {
    REQUIRE(!gopool::post([] { gopool::sleep_for(1s); }));
  }
  CHECK(dp.running() != 0);
  CHECK(!dp.release_timeout(2s));
  dp.reboot();
}

TEST_CASE("ExamplePool / reboot-and-recalculate: the sum of 0..999 is 499500, twice") {
  std::atomic<int> sum{0};
  gopool::WaitGroup wg;
  const int run_times = 1000;
  auto run = [&](auto&& post) {
    sum = 0;
    wg.add(run_times);
    for (int i = 0; i < run_times; ++i) {
      REQUIRE(!post([&, i] {
        sum.fetch_add(i);
        wg.done();
      }));
    }
    wg.wait();
    return sum.load();
  };
  gopool::default_pool().reboot();
  CHECK(run([](auto f) { return gopool::post(std::move(f)); }) == 499500);

  Pool pool(10);
  auto on_pool = [&](auto f) { return pool.post(std::move(f)); };
  CHECK(run(on_pool) == 499500);
  CHECK(!pool.release_timeout(1s));
  pool.reboot();
  CHECK(run(on_pool) == 499500);
}

// ---------------------------------------------------------------------------------------------
// gopool's additions

TEST_CASE("submit: futures carry values, void, references and exceptions") {
  Pool p(4);
  auto f1 = p.submit([] { return 42; });
  auto f2 = p.submit([](int a, const std::string& b) { return b + std::to_string(a); }, 7,
                     std::string("x"));
  std::atomic<int> side{0};
  auto f3 = p.submit([&] { side = 1; });
  auto f4 = p.submit([]() -> int { throw std::out_of_range("nope"); });
  CHECK(f1.get() == 42);
  CHECK(f2.get() == "x7");
  f3.get();
  CHECK(side.load() == 1);
  CHECK_THROWS_AS(f4.get(), std::out_of_range);
  CHECK(p.stats().exceptions == 0);  // a submit's exception goes to its future only
  CHECK(p.running() >= 1);           // ...and the worker survives it
}

TEST_CASE("submit: a refused task's future throws std::system_error with the pool's code") {
  PoolOptions o;
  o.nonblocking = true;
  Pool p(1, o);
  gopool::Chan<int> c;
  auto busy = p.submit([c] { (void)c.recv(); });
  auto refused = p.submit([] { return 1; });
  REQUIRE(refused.ready());
  try {
    refused.get();
    FAIL("expected std::system_error");
  } catch (const std::system_error& e) {
    CHECK(e.code() == errc::pool_overload);
  }
  c.close();
  busy.get();
  p.release();
  auto closed = p.submit([] { return 1; });
  CHECK_THROWS_AS(closed.get(), std::system_error);
  auto null = Pool(1).submit(std::function<int()>());
  try {
    null.get();
    FAIL("expected std::system_error");
  } catch (const std::system_error& e) {
    CHECK(e.code() == errc::null_task);
  }
  CHECK(p.stats().rejected == 2);
}

TEST_CASE("submit_for / post_for: a blocked caller gives up with errc::timeout") {
  int rejected = 0;
  PoolOptions o;
  o.on_reject = [&](gopool::RejectedTask t) {
    CHECK(t.error() == errc::timeout);
    ++rejected;
  };
  Pool p(1, o);
  gopool::Chan<int> c;
  REQUIRE(!p.post([c] { (void)c.recv(); }));
  CHECK(p.post_for(30ms, [] {}) == errc::timeout);
  CHECK(p.post_for(-5s, [] {}) == errc::timeout);  // never waits
  auto f = p.submit_for(20ms, [] { return 3; });
  CHECK_THROWS_AS(f.get(), std::system_error);
  CHECK(rejected == 3);
  CHECK(p.waiting() == 0);
  // A worker that frees up in time takes the task.
  std::thread t([c] {
    std::this_thread::sleep_for(20ms);
    c.close();
  });
  std::atomic<bool> ran{false};
  CHECK(!p.post_for(1h, [&] { ran = true; }));
  t.join();
  p.wait();
  CHECK(ran.load());
}

TEST_CASE("on_reject: exactly once per rejection, with 4 submitting threads") {
  std::atomic<int> handler_calls{0};
  std::atomic<int> ran{0};
  PoolOptions o;
  o.nonblocking = true;
  o.on_reject = [&](gopool::RejectedTask t) {
    CHECK(t.error() == errc::pool_overload);
    CHECK(static_cast<bool>(t));
    handler_calls.fetch_add(1);
  };
  Pool p(4, o);
  const int per_thread = 20000;
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        if (p.post([&] { ran.fetch_add(1); })) {
          refused.fetch_add(1);
        } else {
          accepted.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  p.wait();
  CHECK(accepted.load() + refused.load() == 4 * per_thread);
  CHECK(handler_calls.load() == refused.load());
  CHECK(p.stats().rejected == static_cast<std::uint64_t>(refused.load()));
  CHECK(ran.load() == accepted.load());
}

TEST_CASE("reject policies: caller_runs runs in the caller, discard counts, abort drops") {
  gopool::Chan<int> c;
  auto full_pool = [&](gopool::RejectHandler h) {
    PoolOptions o;
    o.nonblocking = true;
    o.on_reject = std::move(h);
    auto p = std::make_unique<Pool>(1, o);
    REQUIRE(!p->post([c] { (void)c.recv(); }));
    return p;
  };
  {
    auto p = full_pool(gopool::RejectPolicy::caller_runs);
    const auto caller = std::this_thread::get_id();
    std::thread::id ran_on;
    CHECK(p->post([&] { ran_on = std::this_thread::get_id(); }) == errc::pool_overload);
    CHECK(ran_on == caller);
    auto f = p->submit([] { return 5; });
    CHECK(f.get() == 5);  // caller_runs fulfils the future
    c.send(1);
    p->release();
    bool ran = false;
    CHECK(p->post([&] { ran = true; }) == errc::pool_closed);
    CHECK_FALSE(ran);  // as Java: a closed pool drops the task
    CHECK(p->stats().discarded == 1);
  }
  {
    auto p = full_pool(gopool::RejectPolicy::discard);
    bool ran = false;
    CHECK(p->post([&] { ran = true; }) == errc::pool_overload);
    CHECK_FALSE(ran);
    CHECK(p->stats().discarded == 1);
    CHECK(p->stats().rejected == 1);
    c.send(1);
  }
  {
    auto p = full_pool(gopool::RejectPolicy::abort);
    bool ran = false;
    CHECK(p->post([&] { ran = true; }) == errc::pool_overload);
    CHECK_FALSE(ran);
    CHECK(p->stats().discarded == 0);
    CHECK(p->stats().rejected == 1);
    c.send(1);
  }
  {
    // A custom handler may keep the task and run it later.
    std::vector<gopool::RejectedTask> kept;
    auto p = full_pool([&](gopool::RejectedTask t) { kept.push_back(std::move(t)); });
    int ran = 0;
    CHECK(p->post([&] { ++ran; }) == errc::pool_overload);
    REQUIRE(kept.size() == 1);
    kept[0].run();
    CHECK(ran == 1);
    CHECK_FALSE(static_cast<bool>(kept[0]));
    CHECK_THROWS_AS(kept[0].run(), std::logic_error);
    c.send(1);
  }
}

TEST_CASE("wait(): blocks until every accepted task finished, and the pool stays open") {
  Pool p(8);
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i) {
    REQUIRE(!p.post([&] {
      gopool::sleep_for(2ms);
      done.fetch_add(1);
    }));
  }
  p.wait();
  CHECK(done.load() == 100);
  CHECK(p.busy() == 0);
  CHECK_FALSE(p.is_closed());
  REQUIRE(!p.post([&] { done.fetch_add(1); }));
  CHECK(p.wait_for(10s));
  CHECK(done.load() == 101);
  gopool::Chan<int> c;
  REQUIRE(!p.post([c] { (void)c.recv(); }));
  CHECK_FALSE(p.wait_for(10ms));
  c.close();
  p.wait();
}

TEST_CASE("busy() counts workers running a task; running() counts live workers") {
  Pool p(3);
  gopool::Chan<int> c;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(!p.post([c] { (void)c.recv(); }));
  }
  CHECK(p.busy() == 3);
  CHECK(p.running() == 3);
  CHECK(p.free() == 0);
  c.send(1);
  CHECK(eventually([&] { return p.busy() == 2; }));
  CHECK(p.running() == 3);
  c.close();
  p.wait();
  CHECK(p.busy() == 0);
}

TEST_CASE("bad input: null callables, bad options, use after release") {
  Pool p(2);
  CHECK(p.post(static_cast<void (*)()>(nullptr)) == errc::null_task);
  CHECK(p.post(std::function<void()>()) == errc::null_task);
  CHECK(p.stats().rejected == 0);
  auto code_of = [](int capacity, PoolOptions o) {
    try {
      Pool bad(capacity, std::move(o));
    } catch (const std::system_error& e) {
      return e.code();
    }
    return std::error_code{};
  };
  PoolOptions o1;
  o1.max_blocking_tasks = -1;
  CHECK(code_of(4, o1) == errc::invalid_max_blocking_tasks);
  PoolOptions o2;
  o2.stack_size = 1024;
  CHECK(code_of(4, o2) == errc::invalid_stack_size);
  PoolOptions o3;
  o3.expiry = -1s;
  o3.disable_purge = true;  // expiry unused: fine
  CHECK(code_of(4, o3) == std::error_code{});
  PoolOptions o4;
  o4.stack_size = 256 * 1024;
  CHECK(code_of(4, o4) == std::error_code{});
  p.release();
  CHECK(p.post([] {}) == errc::pool_closed);
  CHECK(p.post(static_cast<void (*)()>(nullptr)) == errc::pool_closed);
  p.release();  // twice: nothing
  CHECK(p.is_closed());
}

TEST_CASE("the pool from goroutines and from threads, blocking in both") {
  Pool p(4);
  std::atomic<int> ran{0};
  gopool::WaitGroup wg;
  const int per_producer = 2000;
  for (int g = 0; g < 8; ++g) {
    wg.add(1);
    gopool::go([&] {
      for (int i = 0; i < per_producer; ++i) {
        REQUIRE(!p.post([&] {
          gopool::yield();
          ran.fetch_add(1);
        }));
      }
      wg.done();
    });
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < per_producer; ++i) {
        REQUIRE(!p.post([&] { ran.fetch_add(1); }));
      }
    });
  }
  wg.wait();
  for (auto& t : threads) {
    t.join();
  }
  p.wait();
  CHECK(ran.load() == 10 * per_producer);
  CHECK(p.running() <= 4);
}

TEST_CASE("the destructor waits for every accepted task (RAII)") {
  std::atomic<int> ran{0};
  {
    Pool p(2);
    for (int i = 0; i < 10; ++i) {
      REQUIRE(!p.post([&] {
        gopool::sleep_for(5ms);
        ran.fetch_add(1);
      }));
    }
  }
  CHECK(ran.load() == 10);
}

TEST_CASE("a worker stack size can be set per pool") {
  PoolOptions o;
  o.stack_size = 512 * 1024;
  Pool p(2, o);
  auto f = p.submit([] {
    volatile char big[256 * 1024];
    big[0] = 1;
    big[sizeof(big) - 1] = 2;
    return big[0] + big[sizeof(big) - 1];
  });
  CHECK(f.get() == 3);
}

TEST_CASE("post(ctx) / submit(ctx): a blocked caller gives up when its context is done") {
  std::vector<std::error_code> refused;
  gopool::detail::SpinLock mu;
  PoolOptions o;
  o.on_reject = [&](gopool::RejectedTask t) {
    std::lock_guard<gopool::detail::SpinLock> guard(mu);
    refused.push_back(t.error());
  };
  Pool p(1, o);
  gopool::Chan<int> c;
  CloseAtExit<int> guard{c};
  REQUIRE(!p.post([c] { (void)c.recv(); }));  // p is full now

  SUBCASE("cancel() while blocked") {
    gopool::Context ctx = gopool::with_cancel(gopool::background());
    std::thread canceller([&] {
      REQUIRE(eventually([&] { return p.waiting() == 1; }));
      ctx.cancel();
    });
    CHECK(p.post(ctx, [] {}) == gopool::context_errc::canceled);
    canceller.join();
    CHECK(p.waiting() == 0);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0] == gopool::context_errc::canceled);
  }
  SUBCASE("deadline while blocked") {
    auto ctx = gopool::with_timeout(gopool::background(), 30ms);
    CHECK(p.post(ctx, [] {}) == gopool::context_errc::deadline_exceeded);
    auto f = p.submit(gopool::with_timeout(gopool::background(), 10ms), [] { return 1; });
    try {
      f.get();
      FAIL("expected std::system_error");
    } catch (const std::system_error& e) {
      CHECK(e.code() == gopool::context_errc::deadline_exceeded);
    }
    CHECK(refused.size() == 2);
  }
  SUBCASE("an already-done context refuses at once when the pool is full") {
    auto ctx = gopool::with_cancel(gopool::background());
    ctx.cancel();
    CHECK(p.post(ctx, [] {}) == gopool::context_errc::canceled);
  }
  SUBCASE("a worker that frees up first wins") {
    auto ctx = gopool::with_timeout(gopool::background(), 1h);
    std::thread t([&] {
      REQUIRE(eventually([&] { return p.waiting() == 1; }));
      c.send(1);
    });
    std::atomic<bool> ran{false};
    CHECK(!p.post(ctx, [&] { ran = true; }));
    t.join();
    p.wait();
    CHECK(ran.load());
    // With a free worker even a done context is accepted (as x/sync's Semaphore.Acquire).
    auto done = gopool::with_cancel(gopool::background());
    done.cancel();
    CHECK(p.submit(done, [] { return 2; }).get() == 2);
    CHECK(refused.empty());
  }
  SUBCASE("release() while blocked on a context wait") {
    gopool::Context ctx;  // background: never done
    std::thread releaser([&] {
      REQUIRE(eventually([&] { return p.waiting() == 1; }));
      p.release();
    });
    CHECK(p.post(ctx, [] {}) == errc::pool_closed);
    releaser.join();
  }
  SUBCASE("from a goroutine") {
    auto ctx = gopool::with_cancel(gopool::background());
    gopool::WaitGroup wg;
    std::error_code got;
    wg.add(1);
    gopool::go([&] {
      got = p.post(ctx, [] {});
      wg.done();
    });
    REQUIRE(eventually([&] { return p.waiting() == 1; }));
    ctx.cancel();
    wg.wait();
    CHECK(got == gopool::context_errc::canceled);
  }
}
