// Future / Promise / async: values, exceptions, one-shot get, waiting from goroutines and threads.
#include "gopool/future.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gopool/runtime.hpp"
#include "gopool/wait_group.hpp"

using namespace std::chrono_literals;

namespace {

std::future_errc future_code(const std::future_error& e) {
  return static_cast<std::future_errc>(e.code().value());
}

template <class F>
std::future_errc catch_future_error(F&& f) {
  try {
    f();
  } catch (const std::future_error& e) {
    return future_code(e);
  }
  FAIL("no std::future_error thrown");
  return std::future_errc::no_state;
}

}  // namespace

TEST_CASE("set then get on one thread") {
  gopool::Promise<int> p;
  auto f = p.get_future();
  CHECK(f.valid());
  CHECK_FALSE(f.ready());
  p.set_value(42);
  CHECK(f.ready());
  CHECK(f.get() == 42);
  CHECK_FALSE(f.valid());
}

TEST_CASE("second get is a no_state error") {
  auto f = gopool::make_ready_future(std::string("x"));
  CHECK(f.get() == "x");
  CHECK(catch_future_error([&] { (void)f.get(); }) == std::future_errc::no_state);
  CHECK(catch_future_error([&] { f.wait(); }) == std::future_errc::no_state);
  gopool::Future<int> empty;
  CHECK_FALSE(empty.valid());
  CHECK_FALSE(empty.ready());
  CHECK(catch_future_error([&] { (void)empty.get(); }) == std::future_errc::no_state);
}

TEST_CASE("promise misuse is reported") {
  gopool::Promise<int> p;
  auto f = p.get_future();
  CHECK(catch_future_error([&] { (void)p.get_future(); }) ==
        std::future_errc::future_already_retrieved);
  p.set_value(1);
  CHECK(catch_future_error([&] { p.set_value(2); }) == std::future_errc::promise_already_satisfied);
  CHECK(catch_future_error([&] { p.set_exception(std::make_exception_ptr(1)); }) ==
        std::future_errc::promise_already_satisfied);
  CHECK(f.get() == 1);
  gopool::Promise<int> moved = std::move(p);
  CHECK_FALSE(p.valid());  // NOLINT(bugprone-use-after-move): testing the moved-from state
  CHECK(catch_future_error([&] { p.set_value(3); }) == std::future_errc::no_state);
}

TEST_CASE("exceptions are carried") {
  gopool::Promise<int> p;
  auto f = p.get_future();
  p.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
  CHECK(f.ready());
  CHECK_THROWS_WITH_AS(f.get(), "boom", std::runtime_error);

  auto g = gopool::make_exceptional_future<std::string>(
      std::make_exception_ptr(std::out_of_range("range")));
  CHECK_THROWS_AS(g.get(), std::out_of_range);

  auto n = gopool::make_exceptional_future<int>(nullptr);
  CHECK_THROWS_AS(n.get(), std::invalid_argument);
}

TEST_CASE("a destroyed unset promise breaks its future") {
  gopool::Future<int> f;
  {
    gopool::Promise<int> p;
    f = p.get_future();
  }
  REQUIRE(f.ready());
  CHECK(catch_future_error([&] { (void)f.get(); }) == std::future_errc::broken_promise);
}

TEST_CASE("promise without a future, future without a promise: no leak, no crash") {
  { gopool::Promise<int> p; }
  {
    gopool::Promise<std::unique_ptr<int>> p;
    p.set_value(std::make_unique<int>(1));
  }
  {
    gopool::Promise<int> p;
    { auto f = p.get_future(); }
    p.set_value(3);
  }
}

TEST_CASE("void, reference and move-only results") {
  gopool::Promise<void> pv;
  auto fv = pv.get_future();
  pv.set_value();
  fv.get();

  int x = 5;
  gopool::Promise<int&> pr;
  auto fr = pr.get_future();
  pr.set_value(x);
  int& r = fr.get();
  CHECK(&r == &x);

  gopool::Promise<std::unique_ptr<int>> pm;
  auto fm = pm.get_future();
  pm.set_value(std::make_unique<int>(9));
  CHECK(*fm.get() == 9);

  auto ready = gopool::make_ready_future();
  CHECK(ready.ready());
  ready.get();
}

TEST_CASE("set_result_of stores the value or the exception") {
  gopool::Promise<int> a;
  auto fa = a.get_future();
  a.set_result_of([] { return 7; });
  CHECK(fa.get() == 7);

  gopool::Promise<void> b;
  auto fb = b.get_future();
  b.set_result_of([] { throw std::logic_error("bad"); });
  CHECK_THROWS_AS(fb.get(), std::logic_error);
}

TEST_CASE("wait_for times out, then succeeds") {
  gopool::Promise<int> p;
  auto f = p.get_future();
  CHECK_FALSE(f.wait_for(0ms));
  CHECK_FALSE(f.wait_for(-5ms));
  CHECK_FALSE(f.wait_for(5ms));
  CHECK_FALSE(f.wait_until(gopool::Clock::now() + 1ms));
  p.set_value(1);
  CHECK(f.wait_for(0ms));
  CHECK(f.wait_for(1h));
  CHECK(f.get() == 1);
}

TEST_CASE("a thread waits for a value set by a goroutine") {
  gopool::Promise<int> p;
  auto f = p.get_future();
  gopool::go([p = std::move(p)]() mutable {
    gopool::sleep_for(2ms);
    p.set_value(11);
  });
  CHECK(f.get() == 11);
}

TEST_CASE("a goroutine waits for a value set by a thread") {
  gopool::Promise<int> p;
  auto f = p.get_future();
  gopool::Promise<int> result;
  auto fresult = result.get_future();
  gopool::go(
      [f = std::move(f), result = std::move(result)]() mutable { result.set_value(f.get() + 1); });
  std::thread t([&] {
    std::this_thread::sleep_for(2ms);
    p.set_value(41);
  });
  CHECK(fresult.get() == 42);
  t.join();
}

TEST_CASE("a timed wait in a goroutine races with the setter") {
  // Many rounds of wait_for racing set_value: every round ends with the value seen exactly
  // once and no stray wake-up left behind for the next wait.
  constexpr int kRounds = 300;
  gopool::WaitGroup wg;
  std::atomic<int> got{0};
  wg.add(1);
  gopool::go([&] {
    for (int i = 0; i < kRounds; ++i) {
      gopool::Promise<int> p;
      auto f = p.get_future();
      gopool::go([p = std::move(p), i]() mutable { p.set_value(i); });
      while (!f.wait_for(std::chrono::microseconds(i % 7))) {
      }
      if (f.get() == i) {
        got.fetch_add(1);
      }
    }
    wg.done();
  });
  wg.wait();
  CHECK(got.load() == kRounds);
}

TEST_CASE("async runs on a goroutine and carries results and exceptions") {
  auto a = gopool::async([](int x, std::string s) { return s + std::to_string(x); }, 3, "n");
  CHECK(a.get() == "n3");

  auto b = gopool::async([] { return gopool::in_goroutine(); });
  CHECK(b.get());

  auto c = gopool::async([] { throw std::runtime_error("async"); });
  CHECK_THROWS_WITH_AS(c.get(), "async", std::runtime_error);

  auto owned = std::make_unique<int>(5);
  auto d = gopool::async([](std::unique_ptr<int> p) { return *p * 2; }, std::move(owned));
  CHECK(d.get() == 10);

  std::vector<gopool::Future<int>> many;
  for (int i = 0; i < 100; ++i) {
    many.push_back(gopool::async([i] { return i * i; }));
  }
  long sum = 0;
  for (auto& f : many) {
    sum += f.get();
  }
  CHECK(sum == 328350);
}

TEST_CASE("huge timeouts saturate instead of overflowing") {
  gopool::Promise<int> p;
  auto f = p.get_future();
  gopool::go([p = std::move(p)]() mutable { p.set_value(3); });
  CHECK(f.wait_for(std::chrono::hours::max()));
  CHECK(f.wait_for(std::chrono::duration<double>(1e300)));
  CHECK(f.get() == 3);
}
