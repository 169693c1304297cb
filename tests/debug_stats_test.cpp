// debug::stats(): the runtime's counters move as the work done says they must, the OS's
// context switches are read, and every pool's counters add up.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <gopool/chan.hpp>
#include <gopool/debug.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include "support/in_goroutine.hpp"
#include "support/wait_until.hpp"

namespace {

using gopool::test::in_goroutine;

}  // namespace

TEST_CASE("spawning raises goroutines created; finished goroutines leave goroutines alive") {
  const gopool::debug::Stats before = gopool::debug::stats();
  constexpr int kSpawned = 50;
  in_goroutine([] {
    gopool::WaitGroup wg;
    for (int i = 0; i < kSpawned; ++i) {
      wg.add(1);
      gopool::go([&] { wg.done(); });
    }
    wg.wait();
  });
  const gopool::debug::Stats after = gopool::debug::stats();
  CHECK(after.runtime.goroutines_created >= before.runtime.goroutines_created + kSpawned + 1);
  const bool settled = gopool::test::wait_until([&] {
    return gopool::debug::stats().runtime.goroutines_alive <= before.runtime.goroutines_alive;
  });
  INFO("alive before: " << before.runtime.goroutines_alive
                        << ", now: " << gopool::debug::stats().runtime.goroutines_alive
                        << ", in the dump: " << gopool::debug::goroutines().size());
  CHECK(settled);
  CHECK(after.runtime.procs >= 1);
  CHECK(after.runtime.threads >= 1);
}

TEST_CASE("a spawn after a goroutine finished reuses it: goroutines recycled rises") {
  const std::int64_t before = gopool::debug::stats().runtime.goroutines_recycled;
  in_goroutine([] {
    for (int i = 0; i < 100; ++i) {
      gopool::WaitGroup wg;
      wg.add(1);
      gopool::go([&] { wg.done(); });
      wg.wait();
    }
  });
  CHECK(gopool::debug::stats().runtime.goroutines_recycled > before);
}

TEST_CASE("parking on a channel counts as goroutine context switches") {
  const std::int64_t before = gopool::debug::stats().runtime.context_switches;
  in_goroutine([] {
    gopool::Chan<int> ping, pong;
    gopool::go([&] {
      for (int v : ping)
        pong.send(v);
      pong.close();
    });
    for (int i = 0; i < 100; ++i) {
      ping.send(i);
      (void)pong.recv();  // nothing to receive yet: this goroutine parks
    }
    ping.close();
    (void)pong.recv();
  });
  CHECK(gopool::debug::stats().runtime.context_switches >= before + 100);
}

TEST_CASE("sleeping timers are pending while they sleep") {
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    gopool::sleep_for(std::chrono::milliseconds(200));
    wg.done();
  });
  CHECK(
      gopool::test::wait_until([] { return gopool::debug::stats().runtime.timers_pending >= 1; }));
  wg.wait();
}

TEST_CASE("a goroutine inside blocking() counts as a thread in a blocking call") {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    gopool::blocking([&] { gate.wait(); });
    wg.done();
  });
  CHECK(gopool::test::wait_until(
      [] { return gopool::debug::stats().runtime.threads_blocking >= 1; }));
  release.set_value();
  wg.wait();
  CHECK(gopool::test::wait_until(
      [] { return gopool::debug::stats().runtime.threads_blocking == 0; }));
}

TEST_CASE("the OS's context switches come from getrusage and only grow") {
  const gopool::debug::OsStats before = gopool::debug::stats().os;
  for (int i = 0; i < 20; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // each sleep blocks the thread
  const gopool::debug::OsStats after = gopool::debug::stats().os;
  CHECK(after.voluntary_context_switches > before.voluntary_context_switches);
  CHECK(after.involuntary_context_switches >= before.involuntary_context_switches);
  CHECK(after.max_rss_bytes > 0);
  CHECK(after.user_cpu + after.system_cpu >= before.user_cpu + before.system_cpu);
}

TEST_CASE("a pool's counters: submitted, completed, exceptions, rejected, running, busy") {
  gopool::PoolOptions options;
  options.on_exception = [](std::exception_ptr) {};
  gopool::Pool pool(2, options);

  for (int i = 0; i < 10; ++i)
    REQUIRE_FALSE(pool.post([] {}));
  REQUIRE_FALSE(pool.post([] { throw std::runtime_error("task failed"); }));
  pool.wait();
  gopool::debug::PoolCounters c = gopool::debug::pool_counters(pool, "workers");
  CHECK(c.name == "workers");
  CHECK(c.capacity == 2);
  CHECK(c.submitted == 11);
  CHECK(c.completed == 11);
  CHECK(c.exceptions == 1);
  CHECK(c.rejected == 0);
  CHECK(c.busy == 0);
  CHECK(c.running <= 2);  // idle workers may already have been purged

  // Both workers held: the next post to a nonblocking pool is refused.
  gopool::PoolOptions refuse;
  refuse.nonblocking = true;
  gopool::Pool small(2, refuse);
  gopool::WaitGroup hold;
  hold.add(1);
  REQUIRE_FALSE(small.post([&] { hold.wait(); }));
  REQUIRE_FALSE(small.post([&] { hold.wait(); }));
  CHECK(small.post([] {}) == gopool::errc::pool_overload);
  c = gopool::debug::pool_counters(small);
  CHECK(c.busy == 2);
  CHECK(c.running == 2);
  CHECK(c.rejected == 1);
  CHECK(c.submitted == 2);
  hold.done();
  small.wait();
  c = gopool::debug::pool_counters(small);
  CHECK(c.completed == 2);
  CHECK(c.submitted == 2);
}

TEST_CASE("write_stats prints every group of counters") {
  gopool::go([] {});
  const gopool::debug::Stats s = gopool::debug::stats();
  std::ostringstream out;
  gopool::debug::write_stats(out, s);
  const std::string text = out.str();
  for (const char* part : {"goroutines: ", "goroutine switches",
                           "threads (Ms): ", "stacks: ", "timers: ", "voluntary and "}) {
    INFO(part);
    CHECK(text.find(part) != std::string::npos);
  }
  gopool::debug::Stats with_pool;
  gopool::debug::PoolCounters http;
  http.name = "http";
  http.capacity = 8;
  http.submitted = 3;
  with_pool.pools.push_back(http);
  std::ostringstream out2;
  gopool::debug::write_stats(out2, with_pool);
  CHECK(out2.str().find("pool \"http\": cap 8,") != std::string::npos);
}

TEST_CASE("goroutines alive stays right when a long-running goroutine's P work moves elsewhere") {
  const std::int64_t before = gopool::debug::stats().runtime.goroutines_alive;
  in_goroutine([] {
    // Spawns while running well past 10 ms without a switch point, so the monitor hands this
    // P's other work to a spare P (seed 004's busy loop).
    gopool::WaitGroup wg;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    while (std::chrono::steady_clock::now() < until) {
      wg.add(1);
      gopool::go([&] { wg.done(); });
      std::atomic<int> work{0};
      while (work.fetch_add(1, std::memory_order_relaxed) < 10000) {
      }
    }
    wg.wait();
  });
  const bool settled = gopool::test::wait_until(
      [&] { return gopool::debug::stats().runtime.goroutines_alive <= before; },
      std::chrono::seconds(5));
  INFO("alive before: " << before << ", now: " << gopool::debug::stats().runtime.goroutines_alive
                        << ", in the dump: " << gopool::debug::goroutines().size());
  CHECK(settled);
}
