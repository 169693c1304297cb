// A worker that comes free while callers are blocked on the full pool takes the first caller's
// task itself and wakes that caller with success (PoolCore::take_waiting_task_locked()): the
// task runs once, on a worker, and the caller's wake-up is its only one. Raced here against
// the callers' deadlines, their contexts and release(): every task is run once or refused once.
#include <doctest/doctest.h>
#include <gopool/chan.hpp>
#include <gopool/context.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <system_error>
#include <thread>
#include <vector>

#include "support/in_goroutine.hpp"
#include "support/scaled.hpp"
#include "support/wait_until.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kPerCaller = gopool::test::scaled(5000, 500);

// Outcomes: what became of the tasks given to a pool, counted from both sides.
struct Outcomes {
  std::atomic<int> accepted{0};   // post returned {}
  std::atomic<int> refused{0};    // post returned an error
  std::atomic<int> ran{0};        // task bodies that ran
  std::atomic<int> rejected{0};   // on_reject calls
  std::atomic<int> on_caller{0};  // tasks that ran on the goroutine that posted them

  void count(std::error_code ec) {
    (ec ? refused : accepted).fetch_add(1, std::memory_order_relaxed);
  }
};

gopool::PoolOptions counting_options(Outcomes& o) {
  gopool::PoolOptions options;
  options.on_reject = [&o](gopool::RejectedTask t) {
    CHECK(static_cast<bool>(t));  // the task came back whole, never half-taken
    o.rejected.fetch_add(1, std::memory_order_relaxed);
  };
  return options;
}

// task: counts a run, and a run on the poster's own goroutine (which would mean the caller ran
// it, not a worker).
auto task(Outcomes& o, std::uint64_t poster) {
  return [&o, poster] {
    if (poster != 0 && gopool::this_goroutine::id() == poster) {
      o.on_caller.fetch_add(1, std::memory_order_relaxed);
    }
    o.ran.fetch_add(1, std::memory_order_relaxed);
  };
}

void check_exactly_once(const Outcomes& o, const gopool::Pool& p, int given) {
  CHECK(o.accepted.load() + o.refused.load() == given);
  CHECK(o.ran.load() == o.accepted.load());
  CHECK(o.rejected.load() == o.refused.load());
  CHECK(o.on_caller.load() == 0);
  const gopool::PoolStats s = p.stats();
  CHECK(s.submitted == static_cast<std::uint64_t>(o.accepted.load()));
  CHECK(s.completed == static_cast<std::uint64_t>(o.accepted.load()));
  CHECK(s.rejected == static_cast<std::uint64_t>(o.refused.load()));
  CHECK(p.waiting() == 0);
}

}  // namespace

TEST_CASE("a worker that comes free runs the blocked caller's task; the caller returns {}") {
  Outcomes o;
  gopool::Pool p(1, counting_options(o));
  gopool::Chan<int> gate;
  const std::error_code gated = p.post([&o, gate] {
    (void)gate.recv();
    o.ran.fetch_add(1, std::memory_order_relaxed);
  });
  REQUIRE(!gated);
  o.count(gated);
  std::atomic<bool> returned{false};
  std::error_code got = gopool::errc::timeout;
  gopool::WaitGroup poster;
  poster.add(1);
  gopool::go([&] {
    got = p.post(task(o, gopool::this_goroutine::id()));
    returned = true;
    poster.done();
  });
  REQUIRE(gopool::test::wait_until([&] { return p.waiting() == 1; }));
  CHECK(!returned.load());
  gate.close();  // the worker finishes, takes the blocked task and wakes its caller
  poster.wait();
  p.wait();
  CHECK(!got);
  o.count(got);
  check_exactly_once(o, p, 2);
  CHECK(p.stats().workers_started == 1);  // no second worker: the one that came free took it
}

TEST_CASE("blocked callers, FIFO: each task runs once, in the order the callers blocked") {
  gopool::Pool p(1);
  gopool::Chan<int> gate;
  REQUIRE(!p.post([gate] { (void)gate.recv(); }));
  constexpr int kCallers = 8;
  std::vector<int> order;
  std::atomic<int> blocked{0};
  gopool::WaitGroup callers;
  callers.add(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    // One at a time, so that the order they block in is known.
    REQUIRE(gopool::test::wait_until([&] { return p.waiting() == i; }));
    gopool::go([&, i] {
      blocked.fetch_add(1);
      CHECK(!p.post([&order, i] { order.push_back(i); }));  // one worker: no data race
      callers.done();
    });
    REQUIRE(gopool::test::wait_until([&] { return p.waiting() == i + 1; }));
  }
  gate.close();
  callers.wait();
  p.wait();
  REQUIRE(order.size() == kCallers);
  for (int i = 0; i < kCallers; ++i) {
    CHECK(order[static_cast<std::size_t>(i)] == i);
  }
}

TEST_CASE("hand-offs racing the callers' deadlines: every task is run once or refused once") {
  Outcomes o;
  gopool::Pool p(2, counting_options(o));
  constexpr int kThreads = 2;
  constexpr int kGoroutines = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerCaller; ++i) {
        // Deadlines from already past to a few worker turns: some expire as a worker frees up.
        o.count(p.post_for(std::chrono::microseconds((i + t) % 7 * 20), task(o, 0)));
      }
    });
  }
  gopool::WaitGroup gs;
  gs.add(kGoroutines);
  for (int g = 0; g < kGoroutines; ++g) {
    gopool::go([&, g] {
      const std::uint64_t me = gopool::this_goroutine::id();
      for (int i = 0; i < kPerCaller; ++i) {
        o.count(p.post_for(std::chrono::microseconds((i + g) % 5 * 30), task(o, me)));
      }
      gs.done();
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  gs.wait();
  p.wait();
  check_exactly_once(o, p, (kThreads + kGoroutines) * kPerCaller);
  CHECK(o.accepted.load() > 0);
}

TEST_CASE("hand-offs racing cancelled contexts: every task is run once or refused once") {
  Outcomes o;
  gopool::Pool p(2, counting_options(o));
  constexpr int kGoroutines = 4;
  gopool::WaitGroup gs;
  gs.add(kGoroutines);
  for (int g = 0; g < kGoroutines; ++g) {
    gopool::go([&] {
      const std::uint64_t me = gopool::this_goroutine::id();
      for (int i = 0; i < kPerCaller / 4; ++i) {
        const gopool::Context ctx = gopool::with_cancel(gopool::background());
        // Cancelled by another goroutine while this one may be blocked in post().
        gopool::go([ctx] { ctx.cancel(); });
        o.count(p.post(ctx, task(o, me)));
      }
      gs.done();
    });
  }
  gs.wait();
  p.wait();
  check_exactly_once(o, p, kGoroutines * (kPerCaller / 4));
}

TEST_CASE("hand-offs racing release(): every blocked caller's task runs once or is refused once") {
  for (int round = 0; round < 20; ++round) {
    Outcomes o;
    gopool::Pool p(2, counting_options(o));
    constexpr int kGoroutines = 6;
    gopool::WaitGroup gs;
    gs.add(kGoroutines);
    for (int g = 0; g < kGoroutines; ++g) {
      gopool::go([&] {
        const std::uint64_t me = gopool::this_goroutine::id();
        for (int i = 0; i < 200; ++i) {
          o.count(p.post(task(o, me)));
        }
        gs.done();
      });
    }
    std::this_thread::sleep_for(std::chrono::microseconds(round * 50));
    p.release();
    gs.wait();
    p.wait();
    check_exactly_once(o, p, kGoroutines * 200);
  }
}
