// The future combinators (when_all, when_any, then) and waiting on a future under a Context.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

#include "gopool/context.hpp"
#include "gopool/debug.hpp"
#include "gopool/future.hpp"
#include "gopool/runtime.hpp"
#include "gopool/wait_group.hpp"
#include "gopool/when_all.hpp"
#include "gopool/when_any.hpp"
#include "support/error_of.hpp"
#include "support/in_goroutine.hpp"
#include "support/promises.hpp"

using namespace std::chrono_literals;

namespace {

using gopool::test::future_error_of;
using gopool::test::Promises;
using gopool::test::system_error_of;

// then() accepts f(T) for Future<T> and f() for Future<void>, nothing else.
template <class Fut, class F>
concept CanThen = requires(Fut f, F fn) {
  f.then(fn);
};
static_assert(CanThen<gopool::Future<int>, int (*)(int)>);
static_assert(!CanThen<gopool::Future<int>, int (*)()>);
static_assert(CanThen<gopool::Future<void>, int (*)()>);
static_assert(!CanThen<gopool::Future<void>, int (*)(int)>);

}  // namespace

TEST_CASE("when_all over futures of different types, void and references included") {
  gopool::Promise<int> pi;
  gopool::Promise<std::string> ps;
  gopool::Promise<void> pv;
  gopool::Promise<int&> pr;
  int target = 0;
  auto all = gopool::when_all(pi.get_future(), ps.get_future(), pv.get_future(), pr.get_future());
  static_assert(
      std::is_same_v<decltype(all), gopool::Future<std::tuple<int, std::string, std::monostate,
                                                              std::reference_wrapper<int>>>>);
  gopool::go([&] { ps.set_value("s"); });
  std::thread t([&] { pv.set_value(); });
  pr.set_value(target);
  CHECK_FALSE(all.wait_for(1ms));  // pi is still missing
  pi.set_value(4);
  auto [i, s, v, r] = all.get();
  t.join();
  CHECK(i == 4);
  CHECK(s == "s");
  CHECK(&r.get() == &target);
  (void)v;

  auto none = gopool::when_all();
  CHECK(none.ready());
  none.get();
}

TEST_CASE("when_all over a vector keeps the vector's order; empty is ready") {
  std::vector<gopool::Future<int>> fs;
  for (int i = 0; i < 100; ++i) {
    fs.push_back(gopool::async([i] {
      gopool::yield();
      return i * i;
    }));
  }
  auto all = gopool::when_all(std::move(fs));
  std::vector<int> got = all.get();
  REQUIRE(got.size() == 100);
  for (int i = 0; i < 100; ++i) {
    CHECK(got[static_cast<std::size_t>(i)] == i * i);
  }

  auto empty = gopool::when_all(std::vector<gopool::Future<int>>{});
  CHECK(empty.ready());
  CHECK(empty.get().empty());

  std::vector<gopool::Future<void>> voids;
  voids.push_back(gopool::make_ready_future());
  voids.push_back(gopool::async([] {}));
  CHECK(gopool::when_all(std::move(voids)).get().size() == 2);
}

TEST_CASE("when_all: the first exception in completion order wins, at once") {
  Promises<int> p(5);
  auto all = gopool::when_all(std::move(p.futures));
  p.promises[3].set_exception(std::make_exception_ptr(std::runtime_error("first")));
  CHECK(all.ready());  // no need to wait for the others
  p.promises[1].set_exception(std::make_exception_ptr(std::runtime_error("second")));
  p.promises[0].set_value(0);
  CHECK_THROWS_WITH_AS(all.get(), "first", std::runtime_error);
  // The rest arrive later and are dropped (the shared state is freed by the last one).
  p.promises[2].set_value(2);
  p.promises[4].set_value(4);

  // A promise destroyed unset breaks the whole.
  auto broken_all = [] {
    gopool::Promise<int> dropped;
    return gopool::when_all(dropped.get_future(), gopool::make_ready_future(1));
  }();
  CHECK(future_error_of([&] { (void)broken_all.get(); }) == std::future_errc::broken_promise);
}

TEST_CASE("when_any over 1000 futures completed from goroutines in random order") {
  constexpr int kN = 1000;
  constexpr int kSetters = 8;
  std::mt19937 rng(12345);
  for (int round = 0; round < 3; ++round) {
    auto p = std::make_shared<Promises<int>>(kN);
    auto any = gopool::when_any(std::move(p->futures));
    std::vector<int> order(kN);
    for (int i = 0; i < kN; ++i) {
      order[static_cast<std::size_t>(i)] = i;
    }
    std::shuffle(order.begin(), order.end(), rng);
    const int first = order[0];
    if (round == 0) {
      // One completes alone first: it must be the one reported.
      p->promises[static_cast<std::size_t>(first)].set_value(first * 3);
      auto [index, value] = any.get();
      CHECK(index == static_cast<std::size_t>(first));
      CHECK(value == first * 3);
    }
    gopool::WaitGroup wg;
    wg.add(kSetters);
    for (int s = 0; s < kSetters; ++s) {
      gopool::go([p, &order, &wg, s, round] {
        for (int k = s + (round == 0 ? kSetters : 0); k < kN; k += kSetters) {
          const int i = order[static_cast<std::size_t>(k)];
          p->promises[static_cast<std::size_t>(i)].set_value(i * 3);
          if (k % 64 == 0) {
            gopool::yield();
          }
        }
        wg.done();
      });
    }
    if (round == 0) {
      // Also the promise skipped by the setters when round 0 set one alone.
      for (int k = 1; k < kSetters; ++k) {
        const int i = order[static_cast<std::size_t>(k)];
        p->promises[static_cast<std::size_t>(i)].set_value(i * 3);
      }
    } else {
      auto [index, value] = any.get();
      REQUIRE(index < static_cast<std::size_t>(kN));
      CHECK(value == static_cast<int>(index) * 3);
    }
    wg.wait();
  }
}

TEST_CASE("when_any over different types, and a first failure") {
  gopool::Promise<int> pi;
  gopool::Promise<std::string> ps;
  gopool::Promise<void> pv;
  auto any = gopool::when_any(pi.get_future(), ps.get_future(), pv.get_future());
  ps.set_value("won");
  auto [index, value] = any.get();
  CHECK(index == 1);
  CHECK(std::get<1>(value) == "won");
  pi.set_value(1);
  pv.set_value();

  std::vector<gopool::Future<int>> fs;
  gopool::Promise<int> failing;
  gopool::Promise<int> late;
  fs.push_back(late.get_future());
  fs.push_back(failing.get_future());
  auto first_failed = gopool::when_any(std::move(fs));
  failing.set_exception(std::make_exception_ptr(std::logic_error("failed first")));
  late.set_value(1);
  CHECK_THROWS_WITH_AS(first_failed.get(), "failed first", std::logic_error);

  // Single input: already ready.
  auto one = gopool::when_any(gopool::make_ready_future(9));
  CHECK(std::get<0>(one.get().second) == 9);
}

TEST_CASE("then chains run on goroutines and carry values and exceptions") {
  auto chained = gopool::make_ready_future(20).then([](int x) { return x + 1; }).then([](int x) {
    return std::to_string(x) + (gopool::in_goroutine() ? " on a goroutine" : " elsewhere");
  });
  CHECK(chained.get() == "21 on a goroutine");

  // A source that becomes ready later, set by a thread.
  gopool::Promise<int> p;
  auto f = p.get_future();
  auto doubled = f.then([](int x) { return x * 2; });
  CHECK_FALSE(f.valid());  // consumed
  std::thread t([&] { p.set_value(8); });
  CHECK(doubled.get() == 16);
  t.join();

  // void sources and void results; move-only functions and values.
  std::atomic<int> calls{0};
  auto v = gopool::async([] {}).then([&calls] { calls.fetch_add(1); }).then([&calls] {
    return calls.load();
  });
  CHECK(v.get() == 1);
  auto owned = std::make_unique<int>(3);
  auto m = gopool::make_ready_future(std::make_unique<int>(4))
               .then([o = std::move(owned)](std::unique_ptr<int> x) { return *x + *o; });
  CHECK(m.get() == 7);

  // A source's exception skips f and reaches the end of the chain.
  bool called = false;
  auto failed =
      gopool::make_exceptional_future<int>(std::make_exception_ptr(std::runtime_error("source")))
          .then([&called](int x) {
            called = true;
            return x;
          })
          .then([&called](int x) {
            called = true;
            return x;
          });
  CHECK_THROWS_WITH_AS(failed.get(), "source", std::runtime_error);
  CHECK_FALSE(called);

  // What f throws goes to the returned future.
  auto throws = gopool::make_ready_future(1).then([](int) -> int { throw std::out_of_range("f"); });
  CHECK_THROWS_AS(throws.get(), std::out_of_range);

  // A reference result passes through.
  int target = 5;
  gopool::Promise<int&> pr;
  auto ref = pr.get_future().then([](int& x) -> int& { return x; });
  pr.set_value(target);
  CHECK(&ref.get() == &target);

  // Combinators compose with then.
  auto sum = gopool::when_all(gopool::async([] { return 1; }), gopool::async([] { return 2; }))
                 .then([](std::tuple<int, int> t) { return std::get<0>(t) + std::get<1>(t); });
  CHECK(sum.get() == 3);
}

TEST_CASE("then on many ready and pending futures from goroutines") {
  constexpr int kN = 500;
  std::atomic<int> sum{0};
  gopool::test::in_goroutine([&] {
    std::vector<gopool::Future<void>> done;
    Promises<int> p(kN);
    for (int i = 0; i < kN; ++i) {
      auto ready = gopool::make_ready_future(i).then([&sum](int x) { sum.fetch_add(x); });
      auto later = std::move(p.futures[static_cast<std::size_t>(i)]).then([&sum](int x) {
        sum.fetch_add(x);
      });
      done.push_back(std::move(ready));
      done.push_back(std::move(later));
    }
    for (int i = 0; i < kN; ++i) {
      p.promises[static_cast<std::size_t>(i)].set_value(i);
    }
    gopool::when_all(std::move(done)).get();
  });
  CHECK(sum.load() == kN * (kN - 1));
}

TEST_CASE("wait(ctx) and get(ctx): cancelled while a goroutine is parked") {
  gopool::Promise<int> p;
  auto f = p.get_future();
  gopool::Context ctx = gopool::with_cancel(gopool::background());
  gopool::Promise<std::error_code> seen;
  auto fseen = seen.get_future();
  gopool::go([&f, ctx, seen = std::move(seen)]() mutable { seen.set_value(f.wait(ctx)); });
  CHECK_FALSE(fseen.wait_for(2ms));  // parked: neither ready nor cancelled
  ctx.cancel();
  CHECK(fseen.get() == gopool::context_errc::canceled);
  CHECK(f.valid());  // the future stays as it was
  CHECK(system_error_of([&] { (void)f.get(ctx); }) == gopool::context_errc::canceled);
  CHECK(f.valid());
  p.set_value(6);
  CHECK(f.wait(ctx) == std::error_code{});  // ready wins over a done context
  CHECK(f.get(ctx) == 6);
  CHECK_FALSE(f.valid());
}

TEST_CASE("get(ctx): cancelled while a thread waits; deadlines; background waits for the value") {
  gopool::Promise<int> p;
  auto f = p.get_future();
  gopool::Context ctx = gopool::with_cancel(gopool::background());
  gopool::go([ctx] {
    gopool::sleep_for(2ms);
    ctx.cancel();
  });
  CHECK(system_error_of([&] { (void)f.get(ctx); }) == gopool::context_errc::canceled);

  gopool::Context short_ctx = gopool::with_timeout(gopool::background(), 2ms);
  CHECK(f.wait(short_ctx) == gopool::context_errc::deadline_exceeded);

  gopool::go([&p] {
    gopool::sleep_for(1ms);
    p.set_value(3);
  });
  CHECK(f.get(gopool::background()) == 3);

  gopool::Future<int> empty;
  CHECK(future_error_of([&] { (void)empty.get(ctx); }) == std::future_errc::no_state);
  CHECK(future_error_of([&] { (void)empty.wait(ctx); }) == std::future_errc::no_state);
}

TEST_CASE("a cancel racing set_value: exactly one outcome, the value never lost") {
  constexpr int kRounds = 400;
  std::atomic<int> woke_ready{0};
  std::atomic<int> woke_cancelled{0};
  gopool::test::in_goroutine([&] {
    for (int i = 0; i < kRounds; ++i) {
      gopool::Promise<int> p;
      auto f = p.get_future();
      gopool::Context ctx = gopool::with_cancel(gopool::background());
      gopool::WaitGroup wg;
      wg.add(2);
      gopool::go([&p, &wg, i] {
        p.set_value(i);
        wg.done();
      });
      gopool::go([ctx, &wg] {
        ctx.cancel();
        wg.done();
      });
      const std::error_code ec = f.wait(ctx);
      if (ec) {
        CHECK(ec == gopool::context_errc::canceled);
        woke_cancelled.fetch_add(1);
      } else {
        CHECK(f.ready());
        woke_ready.fetch_add(1);
      }
      wg.wait();
      CHECK(f.get() == i);  // the value arrives whatever the wait said
    }
  });
  CHECK(woke_ready.load() + woke_cancelled.load() == kRounds);
}

TEST_CASE("a thread's wait(ctx) racing set_value and cancel") {
  constexpr int kRounds = 200;
  int outcomes = 0;
  for (int i = 0; i < kRounds; ++i) {
    gopool::Promise<int> p;
    auto f = p.get_future();
    gopool::Context ctx = gopool::with_cancel(gopool::background());
    gopool::go([p = std::move(p), i]() mutable { p.set_value(i); });
    gopool::go([ctx] { ctx.cancel(); });
    const std::error_code ec = f.wait(ctx);
    CHECK((!ec || ec == gopool::context_errc::canceled));
    ++outcomes;
    CHECK(f.get() == i);
  }
  CHECK(outcomes == kRounds);
}

TEST_CASE("hostile input: invalid futures, the same future twice, empty when_any, null f") {
  gopool::Future<int> invalid;
  auto good = gopool::make_ready_future(1);
  CHECK(future_error_of([&] { (void)gopool::when_all(std::move(good), std::move(invalid)); }) ==
        std::future_errc::no_state);
  CHECK(good.valid());  // nothing consumed
  CHECK(future_error_of([&] { (void)gopool::when_all(std::move(good), std::move(good)); }) ==
        std::future_errc::future_already_retrieved);
  CHECK(future_error_of([&] { (void)gopool::when_any(std::move(good), std::move(good)); }) ==
        std::future_errc::future_already_retrieved);
  CHECK(good.valid());

  std::vector<gopool::Future<int>> fs;
  fs.push_back(gopool::make_ready_future(1));
  fs.emplace_back();
  CHECK(future_error_of([&] { (void)gopool::when_all(std::move(fs)); }) ==
        std::future_errc::no_state);
  CHECK(future_error_of([&] { (void)gopool::when_any(std::move(fs)); }) ==
        std::future_errc::no_state);
  REQUIRE(fs.size() == 2);
  CHECK(fs[0].valid());  // the vector is left as it was

  CHECK_THROWS_AS((void)gopool::when_any(std::vector<gopool::Future<int>>{}),
                  std::invalid_argument);

  CHECK(future_error_of([&] { (void)invalid.then([](int x) { return x; }); }) ==
        std::future_errc::no_state);
  int (*null_fn)(int) = nullptr;
  CHECK(system_error_of([&] { (void)good.then(null_fn); }) == gopool::errc::null_task);
  std::function<void(int)> empty_fn;
  CHECK(system_error_of([&] { (void)good.then(empty_fn); }) == gopool::errc::null_task);
  CHECK(good.valid());  // still there
  auto after = good.then([](int x) { return x + 1; });
  CHECK_FALSE(good.valid());
  CHECK(future_error_of([&] { (void)good.then([](int x) { return x; }); }) ==
        std::future_errc::no_state);
  CHECK(future_error_of([&] { (void)gopool::when_all(std::move(good)); }) ==
        std::future_errc::no_state);
  CHECK(after.get() == 2);
}

TEST_CASE("dropping the combined future or the then future does not block or leak") {
  Promises<int> p(3);
  {
    auto all = gopool::when_all(std::move(p.futures));
    (void)all;
  }
  gopool::Promise<int> q;
  {
    auto dropped = q.get_future().then([](int x) { return x; });
  }
  q.set_value(1);
  for (auto& promise : p.promises) {
    promise.set_value(1);
  }
}

TEST_CASE("pending when_all, when_any and then keep no goroutine waiting") {
  Promises<int> p(300);
  const std::size_t before = gopool::debug::goroutines().size();
  std::vector<gopool::Future<int>> for_all;
  std::vector<gopool::Future<int>> for_any;
  for (int i = 0; i < 100; ++i) {
    for_all.push_back(std::move(p.futures[static_cast<std::size_t>(i)]));
    for_any.push_back(std::move(p.futures[static_cast<std::size_t>(100 + i)]));
  }
  auto all = gopool::when_all(std::move(for_all));
  auto any = gopool::when_any(std::move(for_any));
  std::vector<gopool::Future<int>> thens;
  for (int i = 200; i < 300; ++i) {
    thens.push_back(p.futures[static_cast<std::size_t>(i)].then([](int v) { return v + 1; }));
  }
  // 300 inputs pending: neither a goroutine nor a thread waits for any of them.
  CHECK(gopool::debug::goroutines().size() <= before);
  for (int i = 0; i < 300; ++i) {
    p.promises[static_cast<std::size_t>(i)].set_value(i);
  }
  CHECK(all.get().size() == 100);
  CHECK(any.get().first == 0);
  for (int i = 0; i < 100; ++i) {
    CHECK(thens[static_cast<std::size_t>(i)].get() == 201 + i);
  }
}
