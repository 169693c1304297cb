// PoolWithFunc<Arg>: ants' PoolWithFunc (Arg = std::any, ants' `any`) and PoolWithFuncGeneric
// (Arg = int) cases from ants_test.go and example_test.go, with the same sizes and assertions.
#include "gopool/pool_with_func.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <any>
#include <atomic>
#include <chrono>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "gopool/chan.hpp"
#include "gopool/context.hpp"
#include "gopool/runtime.hpp"
#include "gopool/wait_group.hpp"
#include "pool_helpers.hpp"
#include "support/live_limit.hpp"

using namespace pool_test;
using gopool::errc;
using gopool::PoolOptions;
using gopool::PoolWithFunc;

namespace {

// ArgOf<Arg>: builds and reads the argument of the pool under test from an int.
template <class Arg>
struct ArgOf;
template <>
struct ArgOf<int> {
  static int make(int v) { return v; }
  static int get(int a) { return a; }
};
template <>
struct ArgOf<std::any> {
  static std::any make(int v) { return v; }
  static int get(const std::any& a) { return std::any_cast<int>(a); }
};

// fn_of: the pool function for an int-taking body.
template <class Arg, class F>
std::function<void(Arg)> fn_of(F body) {
  return [body](Arg a) { body(ArgOf<Arg>::get(a)); };
}

template <class Arg>
Arg arg(int v) {
  return ArgOf<Arg>::make(v);
}

PoolOptions with_pre_alloc(bool on = true) {
  PoolOptions o;
  o.pre_alloc = on;
  return o;
}

}  // namespace

#define ARG_TYPES int, std::any

TEST_CASE_TEMPLATE("TestAntsPoolWithFuncWaitToGetWorker (+PreMalloc): 100000 calls of 100 ms", Arg,
                   ARG_TYPES) {
  for (bool pre_alloc : {false, true}) {
    CAPTURE(pre_alloc);
    gopool::WaitGroup wg;
    std::atomic<int> ran{0};
    PoolWithFunc<Arg> p(kAntsSize, fn_of<Arg>([&](int ms) {
                          demo_pool_func(ms);
                          ran.fetch_add(1);
                          wg.done();
                        }),
                        with_pre_alloc(pre_alloc));
    for (int i = 0; i < kN; ++i) {
      wg.add(1);
      REQUIRE(!p.invoke(arg<Arg>(kParam)));
    }
    wg.wait();
    CHECK(ran.load() == kN);
    CHECK(p.running() <= kAntsSize);
  }
}

TEST_CASE_TEMPLATE("TestAntsPoolWithFuncGetWorkerFromCache (+PreMalloc)", Arg, ARG_TYPES) {
  for (bool pre_alloc : {false, true}) {
    CAPTURE(pre_alloc);
    const int dur = 10;
    PoolWithFunc<Arg> p(kTestSize, fn_of<Arg>(demo_pool_func), with_pre_alloc(pre_alloc));
    for (int i = 0; i < kAntsSize; ++i) {
      REQUIRE(!p.invoke(arg<Arg>(dur)));
    }
    std::this_thread::sleep_for(2 * kDefaultCleanInterval);
    CHECK(!p.invoke(arg<Arg>(dur)));
  }
}

TEST_CASE_TEMPLATE("TestPanicHandler (+PreMalloc): with func", Arg, ARG_TYPES) {
  for (bool pre_alloc : {false, true}) {
    CAPTURE(pre_alloc);
    std::atomic<int> counter{0};
    gopool::WaitGroup wg;
    PoolOptions o = with_pre_alloc(pre_alloc);
    o.on_exception = [&](std::exception_ptr) {
      counter.fetch_add(1);
      wg.done();
    };
    PoolWithFunc<Arg> p1(
        10, fn_of<Arg>([](int v) { throw std::runtime_error("Oops! " + std::to_string(v)); }), o);
    wg.add(1);
    REQUIRE(!p1.invoke(arg<Arg>(1)));
    wg.wait();
    CHECK(counter.load() == 1);
    CHECK(p1.running() == 0);  // "pool should be empty after panic"
  }
}

TEST_CASE_TEMPLATE("TestPoolPanicWithoutHandler (+PreMalloc): with func, logged", Arg, ARG_TYPES) {
  for (bool pre_alloc : {false, true}) {
    CAPTURE(pre_alloc);
    LogCapture log;
    PoolOptions o = with_pre_alloc(pre_alloc);
    o.logger = log.logger();
    PoolWithFunc<Arg> p1(10, fn_of<Arg>([](int) { throw std::runtime_error("Oops!"); }), o);
    REQUIRE(!p1.invoke(arg<Arg>(0)));
    p1.wait();
    CHECK(log.text().find("Oops!") != std::string::npos);
  }
}

TEST_CASE_TEMPLATE("TestPurgePool: with func, 500 workers purged", Arg, ARG_TYPES) {
  const int size = 500;
  gopool::Chan<int> ch;
  PoolWithFunc<Arg> p1(size, fn_of<Arg>([ch](int i) {
                         (void)ch.recv();
                         demo_pool_func(i % 100);
                       }));
  for (int i = 0; i < size; ++i) {
    REQUIRE(!p1.invoke(arg<Arg>(i)));
  }
  CHECK(p1.running() == size);
  ch.close();
  CHECK(eventually([&] { return p1.running() == 0; }, 5 * kDefaultCleanInterval + 5s));
}

TEST_CASE_TEMPLATE("TestPurgePreMallocPool: with func", Arg, ARG_TYPES) {
  PoolWithFunc<Arg> p1(10, fn_of<Arg>(demo_pool_func));
  REQUIRE(!p1.invoke(arg<Arg>(1)));
  CHECK(eventually([&] { return p1.running() == 0; }, 3 * kDefaultCleanInterval + 5s));
}

TEST_CASE_TEMPLATE("TestNonblockingSubmitWithFunc (+Generic)", Arg, ARG_TYPES) {
  const int pool_size = 10;
  gopool::Chan<int> ch;
  gopool::WaitGroup wg;
  PoolOptions o;
  o.nonblocking = true;
  PoolWithFunc<Arg> p(pool_size, fn_of<Arg>([&, ch](int) {
                        (void)ch.recv();  // longRunningPoolFunc(ch)
                        wg.done();
                      }),
                      o);
  wg.add(pool_size);
  for (int i = 0; i < pool_size - 1; ++i) {
    REQUIRE(!p.invoke(arg<Arg>(0)));
  }
  // p is full now.
  REQUIRE(!p.invoke(arg<Arg>(0)));
  CHECK(p.invoke(arg<Arg>(0)) == errc::pool_overload);
  // interrupt f to get an available worker
  ch.close();
  wg.wait();
  CHECK(eventually([&] { return p.busy() == 0; }));
  wg.add(1);
  CHECK(!p.invoke(arg<Arg>(0)));
  wg.wait();
}

TEST_CASE_TEMPLATE("TestMaxBlockingSubmitWithFunc (+Generic)", Arg, ARG_TYPES) {
  const int pool_size = 10;
  gopool::Chan<int> ch;
  PoolOptions o;
  o.max_blocking_tasks = 1;
  PoolWithFunc<Arg> p(pool_size, fn_of<Arg>([ch](int) { (void)ch.recv(); }), o);
  for (int i = 0; i < pool_size - 1; ++i) {
    REQUIRE(!p.invoke(arg<Arg>(0)));
  }
  // p is full now.
  REQUIRE(!p.invoke(arg<Arg>(0)));
  gopool::WaitGroup wg;
  wg.add(1);
  std::atomic<bool> failed{false};
  gopool::go([&] {
    // should be blocked. blocking num == 1
    if (p.invoke(arg<Arg>(0))) {
      failed = true;
    }
    wg.done();
  });
  REQUIRE(eventually([&] { return p.waiting() == 1; }));
  // already reached max blocking limit
  CHECK(p.invoke(arg<Arg>(0)) == errc::pool_overload);
  // interrupt one func to make blocking submit successful.
  ch.close();
  wg.wait();
  CHECK_FALSE(failed.load());
}

TEST_CASE_TEMPLATE("TestRebootNewPool: with func", Arg, ARG_TYPES) {
  gopool::WaitGroup wg;
  PoolWithFunc<Arg> p1(10, fn_of<Arg>([&](int ms) {
                         demo_pool_func(ms);
                         wg.done();
                       }));
  wg.add(1);
  REQUIRE(!p1.invoke(arg<Arg>(1)));
  wg.wait();
  CHECK(!p1.release_timeout(1s));
  CHECK(p1.invoke(arg<Arg>(1)) == errc::pool_closed);  // "pool should be closed"
  p1.reboot();
  wg.add(1);
  CHECK_MESSAGE(!p1.invoke(arg<Arg>(1)), "pool should be rebooted");
  wg.wait();
}

TEST_CASE_TEMPLATE("TestInfinitePoolWithFunc (+Generic)", Arg, ARG_TYPES) {
  gopool::Chan<int> c;
  PoolWithFunc<Arg> p(-1, fn_of<Arg>([c](int ms) {
    demo_pool_func(ms);
    (void)c.recv();
  }));
  REQUIRE(!p.invoke(arg<Arg>(10)));
  REQUIRE(!p.invoke(arg<Arg>(10)));
  c.send(1);
  c.send(1);
  CHECK(eventually([&] { return p.busy() == 0; }));
  CHECK(p.running() == 2);
  CHECK(p.free() == -1);
  CHECK(p.tune(10) == errc::capacity_not_tunable);
  CHECK(p.cap() == -1);
  try {
    PoolWithFunc<Arg> bad(-1, fn_of<Arg>(demo_pool_func), with_pre_alloc());
    FAIL("expected invalid_pre_alloc_size");
  } catch (const std::system_error& e) {
    CHECK(e.code() == errc::invalid_pre_alloc_size);
  }
}

namespace {

// ants' testPoolFuncWithDisablePurge.
template <class Arg>
void test_pool_func_with_disable_purge(int num_worker, std::chrono::milliseconds wait_for_purge,
                                       PoolOptions o) {
  gopool::Chan<int> sig;
  gopool::WaitGroup wg1;
  gopool::WaitGroup wg2;
  wg1.add(num_worker);
  wg2.add(num_worker);
  PoolWithFunc<Arg> p(num_worker, fn_of<Arg>([&, sig](int) {
                        wg1.done();
                        (void)sig.recv();
                        wg2.done();
                      }),
                      std::move(o));
  for (int i = 0; i < num_worker; ++i) {
    REQUIRE(!p.invoke(arg<Arg>(i)));
  }
  wg1.wait();
  CHECK(p.running() == num_worker);
  CHECK(p.free() == 0);
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

TEST_CASE_TEMPLATE("TestWithDisablePurgePoolFunc", Arg, ARG_TYPES) {
  PoolOptions o;
  o.disable_purge = true;
  test_pool_func_with_disable_purge<Arg>(10, kDefaultCleanInterval, o);
}

TEST_CASE_TEMPLATE("TestWithDisablePurgeAndWithExpirationPoolFunc", Arg, ARG_TYPES) {
  PoolOptions o;
  o.disable_purge = true;
  o.expiry = 100ms;
  test_pool_func_with_disable_purge<Arg>(2, 100ms, o);
}

TEST_CASE_TEMPLATE("TestReleaseWhenRunningPoolWithFunc (+Generic)", Arg, ARG_TYPES) {
  gopool::WaitGroup wg;
  std::atomic<int> ran{0};
  std::atomic<int> closed{0};
  PoolWithFunc<Arg> p(1, fn_of<Arg>([&](int) {
                        gopool::sleep_for(1s);
                        ran.fetch_add(1);
                      }));
  wg.add(2);
  auto submitter = [&](int from) {
    for (int i = from; i < from + 30; ++i) {
      if (p.invoke(arg<Arg>(i)) == errc::pool_closed) {
        closed.fetch_add(1);
      }
    }
    wg.done();
  };
  gopool::go([&] { submitter(0); });
  gopool::go([&] { submitter(100); });
  std::this_thread::sleep_for(3s);
  p.release();
  wg.wait();
  CHECK(eventually([&] { return p.running() == 0; }));
  CHECK(ran.load() + closed.load() == 60);
}

TEST_CASE_TEMPLATE("TestRestCodeCoverage: with func", Arg, ARG_TYPES) {
  auto code_of = [](int capacity, std::function<void(Arg)> fn, PoolOptions o) {
    try {
      PoolWithFunc<Arg> p(capacity, std::move(fn), std::move(o));
    } catch (const std::system_error& e) {
      return e.code();
    }
    return std::error_code{};
  };
  PoolOptions negative;
  negative.expiry = -1ns;
  CHECK(code_of(-1, fn_of<Arg>(demo_pool_func), negative) == errc::invalid_expiry);
  CHECK(code_of(1, fn_of<Arg>(demo_pool_func), negative) == errc::invalid_expiry);
  CHECK(code_of(1, nullptr, negative) == errc::lack_pool_func);  // checked first

  // ants' size, but within what TSan allows alive at once (it counts each worker as a thread).
  constexpr int kSize = std::min(kTestSize, gopool::test::kMaxLiveGoroutines);
  for (bool pre_alloc : {false, true}) {
    CAPTURE(pre_alloc);
    PoolWithFunc<Arg> p(kSize, fn_of<Arg>(demo_pool_func), with_pre_alloc(pre_alloc));
    for (int i = 0; i < kN; ++i) {
      REQUIRE(!p.invoke(arg<Arg>(kParam / 10)));
    }
    std::this_thread::sleep_for(kDefaultCleanInterval);
    CHECK(p.cap() == kSize);
    const std::error_code up = p.tune(kSize);
    const std::error_code down = p.tune(kSize / 10);
    if (pre_alloc) {
      CHECK(up == errc::capacity_not_tunable);
      CHECK(down == errc::capacity_not_tunable);
      CHECK(p.cap() == kSize);
    } else {
      CHECK(!up);
      CHECK(!down);
      CHECK(p.cap() == kSize / 10);
    }
  }
}

TEST_CASE_TEMPLATE("TestPoolTuneScaleUp: with func", Arg, ARG_TYPES) {
  gopool::Chan<int> c;
  PoolWithFunc<Arg> pf(2, fn_of<Arg>([c](int) { (void)c.recv(); }));
  for (int i = 0; i < 2; ++i) {
    REQUIRE(!pf.invoke(arg<Arg>(1)));
  }
  CHECK(pf.running() == 2);
  CHECK(!pf.tune(3));
  REQUIRE(!pf.invoke(arg<Arg>(1)));
  CHECK(pf.running() == 3);
  gopool::WaitGroup wg;
  std::atomic<int> failed{0};
  for (int i = 0; i < 5; ++i) {
    wg.add(1);
    gopool::go([&] {
      if (pf.invoke(arg<Arg>(1))) {
        failed.fetch_add(1);
      }
      wg.done();
    });
  }
  CHECK(eventually([&] { return pf.waiting() == 5; }));
  CHECK(!pf.tune(8));
  wg.wait();
  CHECK(failed.load() == 0);
  CHECK(pf.running() == 8);
  for (int i = 0; i < 8; ++i) {
    c.send(1);
  }
  c.close();
  pf.release();
}

TEST_CASE_TEMPLATE("TestReleaseTimeout: with func", Arg, ARG_TYPES) {
  PoolWithFunc<Arg> pf(
      10, fn_of<Arg>([](int ms) { gopool::sleep_for(std::chrono::milliseconds(ms)); }));
  for (int i = 0; i < 5; ++i) {
    REQUIRE(!pf.invoke(arg<Arg>(1000)));
  }
  CHECK(pf.running() != 0);
  CHECK(!pf.release_timeout(2s));
}

TEST_CASE_TEMPLATE("ExamplePoolWithFunc (+Generic): sum of 0..999 = 499500", Arg, ARG_TYPES) {
  std::atomic<int> sum{0};
  gopool::WaitGroup wg;
  const int run_times = 1000;
  wg.add(run_times);
  PoolWithFunc<Arg> pool(10, fn_of<Arg>([&](int i) {
                           sum.fetch_add(i);
                           wg.done();
                         }));
  for (int i = 0; i < run_times; ++i) {
    REQUIRE(!pool.invoke(arg<Arg>(i)));
  }
  wg.wait();
  CHECK(sum.load() == 499500);
}

TEST_CASE("invoke_for gives up with errc::timeout; move-only arguments are moved") {
  gopool::Chan<int> c;
  PoolWithFunc<std::unique_ptr<int>> p(1, [c](std::unique_ptr<int> v) {
    if (*v == 0) {
      (void)c.recv();
    }
  });
  REQUIRE(!p.invoke(std::make_unique<int>(0)));
  CHECK(p.invoke_for(20ms, std::make_unique<int>(1)) == errc::timeout);
  c.close();
  CHECK(!p.invoke_for(10s, std::make_unique<int>(2)));
  p.wait();
  CHECK(p.stats().completed == 2);
  CHECK(p.stats().rejected == 1);
}

TEST_CASE("invoke(ctx) gives up when the context is done") {
  gopool::Chan<int> c;
  PoolWithFunc<int> p(1, [c](int) { (void)c.recv(); });
  CloseAtExit<int> guard{c};
  REQUIRE(!p.invoke(0));
  CHECK(p.invoke(gopool::with_timeout(gopool::background(), 20ms), 1) ==
        gopool::context_errc::deadline_exceeded);
  CHECK(p.waiting() == 0);
}
