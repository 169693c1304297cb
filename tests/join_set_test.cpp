// JoinSet: results in completion order, exceptions at their turn, abort_all and the destructor
// cancelling tasks parked on their Context, refusals, concurrent use from goroutines and threads.
#include "gopool/join_set.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

#include "gopool/chan.hpp"
#include "gopool/context.hpp"
#include "gopool/future.hpp"
#include "gopool/pool.hpp"
#include "gopool/runtime.hpp"
#include "gopool/select.hpp"
#include "gopool/wait_group.hpp"
#include "support/error_of.hpp"
#include "support/in_goroutine.hpp"
#include "support/promises.hpp"
#include "support/wait_until.hpp"

using namespace std::chrono_literals;

namespace {

using gopool::test::system_error_of;

// Gates: promises that tasks wait on, opened by the test in the order it chooses.
struct Gates : gopool::test::Promises<void> {
  using Promises::Promises;
  void open(int i) { promises[static_cast<std::size_t>(i)].set_value(); }
};

}  // namespace

TEST_CASE("results come in completion order, not spawn order") {
  gopool::Pool pool(8);
  gopool::JoinSet<int> set(pool);
  Gates gates(4);
  for (int i = 0; i < 4; ++i) {
    set.spawn([&gates, i] {
      gates.futures[static_cast<std::size_t>(i)].get();
      return i * 10;
    });
  }
  CHECK(set.size() == 4);
  for (int i : {2, 0, 3, 1}) {
    gates.open(i);
    CHECK(set.next() == std::optional<int>(i * 10));  // the only one that can finish
  }
  CHECK(set.empty());
  CHECK_FALSE(set.next().has_value());  // empty: at once
}

TEST_CASE("next on an empty set, try_next and next_for") {
  gopool::JoinSet<int> set;  // default_pool()
  CHECK(set.size() == 0);
  CHECK_FALSE(set.next());
  CHECK_FALSE(set.try_next());
  CHECK_FALSE(set.next_for(1h));  // empty: nullopt at once, not after an hour

  Gates gates(1);
  set.spawn([&gates] {
    gates.futures[0].get();
    return 7;
  });
  CHECK_FALSE(set.try_next());  // not finished: no wait
  CHECK_FALSE(set.next_for(2ms));
  CHECK_FALSE(set.next_for(-1s));
  CHECK_FALSE(set.next_until(gopool::Clock::now() + 1ms));
  CHECK(set.size() == 1);  // a timed-out next_for took nothing
  gates.open(0);
  CHECK(set.next_for(std::chrono::hours::max()) == std::optional<int>(7));
  CHECK(set.empty());
}

TEST_CASE("a task's exception surfaces at its turn, and the set goes on") {
  gopool::Pool pool(4);
  gopool::JoinSet<std::string> set(pool);
  Gates gates(3);
  set.spawn([&gates] {
    gates.futures[0].get();
    return std::string("a");
  });
  set.spawn([&gates]() -> std::string {
    gates.futures[1].get();
    throw std::runtime_error("task failed");
  });
  set.spawn([&gates] {
    gates.futures[2].get();
    return std::string("c");
  });
  gates.open(0);
  CHECK(set.next() == std::optional<std::string>("a"));
  gates.open(1);
  CHECK_THROWS_WITH_AS(set.next(), "task failed", std::runtime_error);
  CHECK(set.size() == 1);  // the failed task was taken
  gates.open(2);
  CHECK(set.next() == std::optional<std::string>("c"));
  CHECK_FALSE(set.next());
}

TEST_CASE("JoinSet<void> and move-only results and callables") {
  gopool::JoinSet<void> set;
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) {
    set.spawn([&ran] { ran.fetch_add(1); });
  }
  int n = 0;
  while (std::optional<std::monostate> r = set.next()) {
    ++n;
  }
  CHECK(n == 10);
  CHECK(ran.load() == 10);

  gopool::JoinSet<std::unique_ptr<int>> owned;
  auto p = std::make_unique<int>(5);
  owned.spawn([p = std::move(p)]() mutable { return std::move(p); });
  std::optional<std::unique_ptr<int>> got = owned.next();
  REQUIRE(got.has_value());
  CHECK(**got == 5);
}

TEST_CASE("a task may take its Context; abort_all reaches tasks parked in sleep and select") {
  gopool::Pool pool(8);
  gopool::JoinSet<std::error_code> set(pool);
  gopool::WaitGroup started;
  started.add(4);
  for (int i = 0; i < 2; ++i) {
    set.spawn([&started](const gopool::Context& ctx) {
      started.done();
      return gopool::sleep_for(ctx, 1h);  // cut short by the cancel
    });
  }
  for (int i = 0; i < 2; ++i) {
    set.spawn([&started](const gopool::Context& ctx) {
      started.done();
      std::error_code why;
      gopool::select(gopool::on_recv(ctx.done(), [&] { why = ctx.err(); }));
      return why;
    });
  }
  started.wait();
  set.abort_all();
  for (int i = 0; i < 4; ++i) {
    std::optional<std::error_code> r = set.next();
    REQUIRE(r.has_value());
    CHECK(*r == gopool::context_errc::canceled);
  }
  CHECK_FALSE(set.next());

  // Tasks spawned after abort_all() run under a fresh Context.
  set.spawn([](const gopool::Context& ctx) { return ctx.err(); });
  CHECK(set.next() == std::optional<std::error_code>(std::error_code{}));
}

TEST_CASE("tasks whose Context is done before they start do not run") {
  gopool::Pool pool(4);
  gopool::Context parent = gopool::with_cancel(gopool::background());
  parent.cancel();
  gopool::JoinSet<int> set(pool, parent);
  std::atomic<int> ran{0};
  for (int i = 0; i < 5; ++i) {
    set.spawn([&ran] { return ran.fetch_add(1); });
  }
  CHECK(set.size() == 5);
  for (int i = 0; i < 5; ++i) {
    CHECK(system_error_of([&] { (void)set.next(); }) == gopool::context_errc::canceled);
  }
  CHECK(ran.load() == 0);
  CHECK(set.empty());
}

TEST_CASE("a parent's deadline reaches the tasks") {
  gopool::JoinSet<std::error_code> set(gopool::default_pool(),
                                       gopool::with_timeout(gopool::background(), 5ms));
  set.spawn([](const gopool::Context& ctx) { return gopool::sleep_for(ctx, 1h); });
  CHECK(set.next() == std::optional<std::error_code>(gopool::context_errc::deadline_exceeded));
}

TEST_CASE("a spawn blocked on a full pool gives up on abort_all, reported at its turn") {
  gopool::Pool pool(1);
  gopool::JoinSet<int> set(pool);
  Gates gates(1);
  std::atomic<bool> first_started{false};
  set.spawn([&gates, &first_started] {
    first_started = true;
    gates.futures[0].get();
    return 1;
  });
  // Accepted is not started: a task the abort finds not yet begun is cancelled before it runs
  // (and next() reports it so), which is not what this case is about.
  REQUIRE(gopool::test::wait_until([&] { return first_started.load(); }));
  std::atomic<bool> spawned{false};
  std::atomic<bool> second_ran{false};
  std::thread spawner([&] {
    set.spawn([&second_ran] {
      second_ran = true;
      return 2;
    });  // blocks: the only worker is busy
    spawned = true;
  });
  REQUIRE(gopool::test::wait_until([&] { return pool.waiting() == 1; }));
  CHECK_FALSE(spawned.load());
  set.abort_all();
  spawner.join();
  CHECK(set.size() == 2);
  // The refused spawn finished first (when it gave up).
  CHECK(system_error_of([&] { (void)set.next(); }) == gopool::context_errc::canceled);
  gates.open(0);
  CHECK(set.next() == std::optional<int>(1));  // started before the abort: it ran to the end
  CHECK_FALSE(second_ran.load());
}

TEST_CASE("refusals are delivered by next(), the on_reject handler is not called") {
  std::atomic<int> handled{0};
  gopool::PoolOptions opts;
  opts.nonblocking = true;
  opts.on_reject = [&handled](gopool::RejectedTask) { handled.fetch_add(1); };
  gopool::Pool pool(1, opts);
  gopool::JoinSet<int> set(pool);
  Gates gates(1);
  set.spawn([&gates] {
    gates.futures[0].get();
    return 1;
  });
  set.spawn([] { return 2; });  // the pool is full and nonblocking
  CHECK(system_error_of([&] { (void)set.next(); }) == gopool::errc::pool_overload);
  gates.open(0);
  CHECK(set.next() == std::optional<int>(1));

  pool.release();
  set.spawn([] { return 3; });
  CHECK(set.size() == 1);
  CHECK(system_error_of([&] { (void)set.next(); }) == gopool::errc::pool_closed);
  CHECK(handled.load() == 0);
}

TEST_CASE("hostile input: null callables are refused and change nothing") {
  gopool::JoinSet<int> set;
  int (*null_fn)() = nullptr;
  CHECK(system_error_of([&] { set.spawn(null_fn); }) == gopool::errc::null_task);
  std::function<int()> empty;
  CHECK(system_error_of([&] { set.spawn(empty); }) == gopool::errc::null_task);
  std::function<int(const gopool::Context&)> empty_ctx;
  CHECK(system_error_of([&] { set.spawn(empty_ctx); }) == gopool::errc::null_task);
  CHECK(set.size() == 0);
  CHECK_FALSE(set.next());
  set.abort_all();  // on an empty set, twice: nothing to do
  set.abort_all();
  CHECK_FALSE(set.try_next());
}

TEST_CASE("the destructor aborts and waits for running tasks") {
  std::atomic<int> finished{0};
  std::atomic<int> ran_to_end{0};
  gopool::WaitGroup started;
  {
    gopool::Pool pool(16);
    gopool::JoinSet<int> set(pool);
    started.add(12);
    for (int i = 0; i < 8; ++i) {
      set.spawn([&, i](const gopool::Context& ctx) {
        started.done();
        (void)gopool::sleep_for(ctx, 1h);
        finished.fetch_add(1);
        return i;
      });
    }
    // Tasks that ignore their Context are waited for too, once started (a task the abort
    // finds not started does not run at all).
    for (int i = 0; i < 4; ++i) {
      set.spawn([&ran_to_end, &started] {
        started.done();
        gopool::sleep_for(1ms);
        ran_to_end.fetch_add(1);
        return 0;
      });
    }
    started.wait();
  }
  CHECK(finished.load() == 8);
  CHECK(ran_to_end.load() == 4);
}

TEST_CASE("a JoinSet owned by a goroutine, and its destructor run there") {
  std::atomic<int> sum{0};
  gopool::test::in_goroutine([&] {
    gopool::JoinSet<int> set;
    for (int i = 1; i <= 50; ++i) {
      set.spawn([i] {
        gopool::yield();
        return i;
      });
    }
    for (int i = 0; i < 25; ++i) {
      sum.fetch_add(set.next().value());
    }
    // 25 left for the destructor to drop.
  });
  CHECK(sum.load() > 0);
}

TEST_CASE("spawn and next from goroutines and threads at once") {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 150;
  constexpr int kConsumers = 4;  // two goroutines, two threads
  constexpr int kTotal = kProducers * kPerProducer;
  gopool::Pool pool(32);
  gopool::JoinSet<int> set(pool);
  std::atomic<long> sum{0};
  std::atomic<int> taken{0};
  auto consume = [&] {
    while (taken.load() < kTotal) {
      if (std::optional<int> v = set.next_for(1ms)) {
        sum.fetch_add(*v);
        taken.fetch_add(1);
      } else {
        gopool::yield();
      }
    }
  };
  gopool::WaitGroup wg;
  wg.add(kProducers + 2);
  for (int p = 0; p < kProducers; ++p) {
    gopool::go([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        const int v = p * kPerProducer + i;
        set.spawn([v] { return v; });
      }
      wg.done();
    });
  }
  for (int c = 0; c < 2; ++c) {
    gopool::go([&] {
      consume();
      wg.done();
    });
  }
  std::vector<std::thread> threads;
  for (int c = 2; c < kConsumers; ++c) {
    threads.emplace_back(consume);
  }
  wg.wait();
  for (auto& t : threads) {
    t.join();
  }
  CHECK(taken.load() == kTotal);
  CHECK(sum.load() == static_cast<long>(kTotal) * (kTotal - 1) / 2);
  CHECK(set.empty());
}

TEST_CASE("many waiting next() callers and fewer tasks: the extra ones learn the set is empty") {
  gopool::Pool pool(4);
  gopool::JoinSet<int> set(pool);
  Gates gates(1);
  set.spawn([&gates] {
    gates.futures[0].get();
    return 1;
  });
  std::atomic<int> values{0};
  std::atomic<int> empties{0};
  gopool::WaitGroup wg;
  wg.add(3);
  for (int i = 0; i < 3; ++i) {
    gopool::go([&] {
      if (set.next()) {
        values.fetch_add(1);
      } else {
        empties.fetch_add(1);
      }
      wg.done();
    });
  }
  // Two of them find the one task reserved by the first and return at once.
  REQUIRE(gopool::test::wait_until([&] { return empties.load() == 2; }));
  gates.open(0);
  wg.wait();
  CHECK(values.load() == 1);
}
