// Named pools everyone can see: the registry behind debug::stats().pools, counters by cause,
// the wait-time summary, the Prometheus exposition, and task exceptions that name the pool and
// the post site.
#include <doctest/doctest.h>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <gopool/context.hpp>
#include <gopool/debug.hpp>
#include <gopool/multi_pool.hpp>
#include <gopool/pool.hpp>
#include <gopool/pool_with_func.hpp>
#include <gopool/wait_group.hpp>

#include "support/death.hpp"
#include "support/wait_until.hpp"

namespace {

using namespace std::chrono_literals;

std::optional<gopool::debug::PoolCounters> find_pool(const std::string& name) {
  for (const gopool::debug::PoolCounters& p : gopool::debug::stats().pools) {
    if (p.name == name) return p;
  }
  return std::nullopt;
}

int count_pools(const std::string& name) {
  const auto pools = gopool::debug::stats().pools;
  return static_cast<int>(
      std::count_if(pools.begin(), pools.end(), [&](const auto& p) { return p.name == name; }));
}

gopool::PoolOptions named(const std::string& name) {
  gopool::PoolOptions o;
  o.name = name;
  return o;
}

volatile int g_depth_limit = 1 << 30;  // volatile: the recursion cannot be folded away

__attribute__((noinline)) int recurse(int n) {
  volatile char frame[512];
  frame[0] = static_cast<char>(n);
  if (n >= g_depth_limit) return frame[0];
  return recurse(n + 1) + frame[0];
}

}  // namespace

GOPOOL_DEATH_SCENARIO(overflow_in_pool_task) {
  // No doctest assertions here: the scenario runs outside a test case.
  gopool::Pool pool(2, named("reg-overflow"));
  if (pool.post([] {})) std::abort();  // a worker that has run a task before
  pool.wait();
  if (pool.post([] { std::printf("recursing %d\n", recurse(0)); })) std::abort();
  pool.wait();
}

TEST_CASE("a stack overflow in a pool task names the pool and the task's post site") {
  const gopool::test::DeathResult r = gopool::test::run_death_scenario("overflow_in_pool_task");
  INFO(r.output);
  CHECK(r.died());
  CHECK(r.output.find("gopool: fatal error: stack overflow") != std::string::npos);
  CHECK(r.output.find("[reg-overflow], running a task posted at") != std::string::npos);
  CHECK(r.output.find("pool_registry_test.cpp:") != std::string::npos);
  CHECK(r.output.find("pool_core.cpp") == std::string::npos);
}

TEST_CASE("every live pool is listed under its name while it lives, and only then") {
  {
    gopool::Pool pool(3, named("reg-a"));
    gopool::PoolWithFunc<int> with_func(
        2, [](int) {}, named("reg-b"));
    gopool::MultiPool multi(2, 4, gopool::LoadBalancing::round_robin, named("reg-m"));
    const auto a = find_pool("reg-a");
    REQUIRE(a);
    CHECK(a->capacity == 3);
    CHECK(pool.name() == "reg-a");
    REQUIRE(find_pool("reg-b"));
    CHECK(find_pool("reg-b")->capacity == 2);
    CHECK(find_pool("reg-m/0"));
    CHECK(find_pool("reg-m/1"));
    CHECK_FALSE(find_pool("reg-m"));
  }
  CHECK_FALSE(find_pool("reg-a"));
  CHECK_FALSE(find_pool("reg-b"));
  CHECK_FALSE(find_pool("reg-m/0"));
}

TEST_CASE("an unnamed pool is called pool-<n>, each with its own n") {
  gopool::Pool first(1);
  gopool::Pool second(1);
  CHECK(first.name().rfind("pool-", 0) == 0);
  CHECK(second.name().rfind("pool-", 0) == 0);
  CHECK(first.name() != second.name());
  CHECK(count_pools(first.name()) == 1);
  gopool::MultiPool multi(2, 1, gopool::LoadBalancing::least_tasks);
  int members = 0;
  for (const auto& p : gopool::debug::stats().pools) {
    if (p.name.rfind("pool-", 0) == 0 && p.name.find('/') != std::string::npos) ++members;
  }
  CHECK(members >= 2);
}

TEST_CASE("pools listed in creation order; names need not be unique") {
  gopool::Pool one(1, named("reg-twin"));
  gopool::Pool two(1, named("reg-twin"));
  CHECK(count_pools("reg-twin") == 2);
}

TEST_CASE("rejections are counted by cause, and the causes add up to the total") {
  gopool::PoolOptions full = named("reg-full");
  full.nonblocking = true;
  gopool::Pool nonblocking(1, full);
  gopool::WaitGroup hold;
  hold.add(1);
  REQUIRE_FALSE(nonblocking.post([&] { hold.wait(); }));
  CHECK(nonblocking.post([] {}) == gopool::errc::pool_overload);
  CHECK(nonblocking.post([] {}) == gopool::errc::pool_overload);

  gopool::PoolOptions waiters = named("reg-waiters");
  waiters.max_blocking_tasks = 1;
  gopool::Pool limited(1, waiters);
  REQUIRE_FALSE(limited.post([&] { hold.wait(); }));
  std::atomic<bool> first_waiter_done{false};
  std::thread blocked([&] {
    CHECK_FALSE(limited.post([] {}));  // waits: the one blocking slot
    first_waiter_done = true;
  });
  REQUIRE(gopool::test::wait_until([&] { return limited.waiting() == 1; }, 10s));
  CHECK(limited.post([] {}) == gopool::errc::pool_overload);  // a second waiter is one too many
  CHECK(limited.post_for(1ms, [] {}) == gopool::errc::pool_overload);

  gopool::Pool timed(1, named("reg-timeout"));
  REQUIRE_FALSE(timed.post([&] { hold.wait(); }));
  CHECK(timed.post_for(2ms, [] {}) == gopool::errc::timeout);
  CHECK(timed.post_until(gopool::Clock::now() - 1s, [] {}) == gopool::errc::timeout);
  gopool::Context ctx = gopool::with_cancel(gopool::background());
  ctx.cancel();
  CHECK(timed.post(ctx, [] {}) == gopool::context_errc::canceled);

  hold.done();
  blocked.join();
  CHECK(first_waiter_done);
  nonblocking.wait();
  limited.wait();
  timed.wait();
  timed.release();
  CHECK(timed.post([] {}) == gopool::errc::pool_closed);

  const gopool::PoolStats f = nonblocking.stats();
  CHECK(f.rejected_full == 2);
  CHECK(f.rejected_waiters == 0);
  CHECK(f.rejected == 2);
  CHECK(f.submitted == 1);

  const gopool::PoolStats w = limited.stats();
  CHECK(w.rejected_waiters == 2);
  CHECK(w.rejected_full == 0);
  CHECK(w.rejected == 2);
  CHECK(w.submitted == 2);
  CHECK(w.waits.count >= 1);  // the blocked thread waited for the worker

  const gopool::PoolStats t = timed.stats();
  CHECK(t.rejected_timeout == 2);
  CHECK(t.rejected_context == 1);
  CHECK(t.rejected_closed == 1);
  CHECK(t.rejected == 4);
  CHECK(t.rejected_closed + t.rejected_full + t.rejected_waiters + t.rejected_timeout +
            t.rejected_context ==
        t.rejected);
  const auto listed = find_pool("reg-timeout");
  REQUIRE(listed);
  CHECK(listed->rejected_timeout == 2);
  CHECK(listed->rejected_context == 1);
}

TEST_CASE("callers that waited for a worker are timed: count, sum, ordered quantiles") {
  gopool::Pool pool(1, named("reg-wait"));
  gopool::WaitGroup hold;
  hold.add(1);
  REQUIRE_FALSE(pool.post([&] { hold.wait(); }));
  std::thread waiter([&] { CHECK_FALSE(pool.post([] {})); });
  REQUIRE(gopool::test::wait_until([&] { return pool.waiting() == 1; }, 10s));
  std::this_thread::sleep_for(5ms);
  hold.done();
  waiter.join();
  pool.wait();
  const gopool::PoolWaitTimes w = pool.stats().waits;
  CHECK(w.count == 1);
  CHECK(w.total >= 5ms);
  CHECK(w.max == w.total);
  CHECK(w.p50 <= w.p90);
  CHECK(w.p90 <= w.p99);
  CHECK(w.p99 <= w.max);
  CHECK(w.p99 * 2 >= w.max);  // an upper bound within a factor of 2 of the one sample
  CHECK(pool.stats().submitted == 2);
}

TEST_CASE("write_prometheus: runtime families, and every pool by name with escaped labels") {
  gopool::Pool pool(4, named("reg \"quoted\"\\name"));
  REQUIRE_FALSE(pool.post([] {}));
  pool.wait();
  std::ostringstream out;
  gopool::debug::write_prometheus(out);
  const std::string text = out.str();
  for (const char* family :
       {"# TYPE gopool_goroutines gauge", "# TYPE gopool_context_switches_total counter",
        "# TYPE gopool_pool_capacity gauge", "# TYPE gopool_pool_tasks_rejected_total counter",
        "# TYPE gopool_pool_wait_seconds summary"}) {
    INFO(family);
    CHECK(text.find(family) != std::string::npos);
  }
  const std::string label = "pool=\"reg \\\"quoted\\\"\\\\name\"";
  CHECK(text.find("gopool_pool_capacity{" + label + "} 4\n") != std::string::npos);
  CHECK(text.find("gopool_pool_tasks_submitted_total{" + label + "} 1\n") != std::string::npos);
  CHECK(text.find("gopool_pool_tasks_rejected_total{" + label + ",cause=\"timeout\"} 0\n") !=
        std::string::npos);
  CHECK(text.back() == '\n');
}

TEST_CASE("a task's exception is logged with the pool, the post site and the demangled type") {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  gopool::PoolOptions options = named("reg-log");
  options.logger = std::make_shared<spdlog::logger>("reg-log", sink);
  {
    gopool::Pool pool(1, options);
    const unsigned line = __LINE__ + 1;
    REQUIRE_FALSE(pool.post([] { throw std::runtime_error("boom"); }));
    pool.wait();
    options.logger->flush();
    const std::string text = log.str();
    INFO(text);
    CHECK(text.find("pool \"reg-log\"") != std::string::npos);
    CHECK(text.find("pool_registry_test.cpp:" + std::to_string(line)) != std::string::npos);
    CHECK(text.find("std::runtime_error: boom") != std::string::npos);
  }
}

TEST_CASE("a task run by caller_runs that throws is logged with its post site too") {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  gopool::PoolOptions options = named("reg-caller");
  options.logger = std::make_shared<spdlog::logger>("reg-caller", sink);
  options.nonblocking = true;
  options.on_reject = gopool::RejectPolicy::caller_runs;
  {
    gopool::Pool pool(1, options);
    std::atomic<bool> release{false};
    REQUIRE_FALSE(pool.post([&] {
      while (!release.load())
        gopool::sleep_for(std::chrono::microseconds(100));
    }));
    const unsigned line = __LINE__ + 1;
    const std::error_code ec = pool.post([] { throw std::runtime_error("in the caller"); });
    CHECK(ec == gopool::errc::pool_overload);
    release = true;
    pool.wait();
    options.logger->flush();
    const std::string text = log.str();
    INFO(text);
    CHECK(text.find("pool \"reg-caller\"") != std::string::npos);
    CHECK(text.find("pool_registry_test.cpp:" + std::to_string(line)) != std::string::npos);
    CHECK(text.find("std::runtime_error: in the caller") != std::string::npos);
    CHECK(pool.stats().exceptions == 1);
  }
}

TEST_CASE("dumps and stats taken while pools come and go never read a freed pool name") {
  // A worker's label is its pool's name: each pool's workers clear it before they let the pool
  // go, and readers copy it under the runtime's lock (ASan builds catch a freed read).
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      for (const auto& g : gopool::debug::goroutines())
        CHECK(g.label.size() < 100);
      std::ostringstream json;
      gopool::debug::dump_json(json);
      (void)gopool::debug::stats();
    }
  });
  for (int i = 0; i < 200; ++i) {
    gopool::PoolOptions o =
        named("a pool whose name is too long for any short-string buffer #" + std::to_string(i));
    if (i % 2 == 0) o.expiry = std::chrono::milliseconds(1);  // some workers are purged
    auto pool = std::make_unique<gopool::Pool>(4, o);
    for (int t = 0; t < 8; ++t)
      REQUIRE_FALSE(pool->post([] {}));
    if (i % 3 == 0) pool->release();
    pool.reset();
  }
  stop = true;
  reader.join();
}
