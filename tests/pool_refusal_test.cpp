// Refusals that hand the task back: try_post / try_invoke return the callable (move-only ones
// too) with the error and never call on_reject; RejectedTask::take<F>() gives a handler the
// callable; a closed MultiPool reports each refusal once through on_reject and its counters.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <gopool/debug.hpp>
#include <gopool/multi_pool.hpp>
#include <gopool/pool.hpp>
#include <gopool/pool_with_func.hpp>
#include <gopool/wait_group.hpp>

#include "support/wait_until.hpp"

namespace {

using namespace std::chrono_literals;

// Conn: a move-only resource a task owns, as a connection a handler answers on.
struct Conn {
  std::unique_ptr<std::string> answer = std::make_unique<std::string>();
};

}  // namespace

TEST_CASE("try_post hands a refused move-only callable back, unrun, without on_reject") {
  std::atomic<int> rejected_handler{0};
  gopool::PoolOptions options;
  options.nonblocking = true;
  options.on_reject = [&](gopool::RejectedTask) { ++rejected_handler; };
  gopool::Pool pool(1, options);
  gopool::WaitGroup hold;
  hold.add(1);
  REQUIRE_FALSE(pool.try_post([&] { hold.wait(); }));

  std::atomic<int> ran{0};
  Conn conn;
  std::string* answer = conn.answer.get();
  auto task = [&ran, c = std::move(conn)]() mutable {
    *c.answer = "200";
    ++ran;
  };
  auto refused = pool.try_post(std::move(task));
  REQUIRE(refused);
  CHECK(refused.error() == gopool::errc::pool_overload);
  auto back = refused.take();
  CHECK_THROWS_AS(refused.take(), std::logic_error);  // given back once
  back();                                             // still whole: it owns the connection
  CHECK(*answer == "200");
  CHECK(ran == 1);
  CHECK(rejected_handler == 0);
  CHECK(pool.stats().rejected_full == 1);

  hold.done();
  pool.wait();
  auto accepted = pool.try_post([&] { ++ran; });
  CHECK_FALSE(accepted);
  CHECK_FALSE(accepted.error());
  CHECK_THROWS_AS(accepted.take(), std::logic_error);
  pool.wait();
  CHECK(ran == 2);

  pool.release();
  auto closed = pool.try_post([] {});
  REQUIRE(closed);
  CHECK(closed.error() == gopool::errc::pool_closed);
  CHECK(rejected_handler == 0);
}

TEST_CASE("try_post_for / try_post_until time out and hand the task back") {
  gopool::Pool pool(1);
  gopool::WaitGroup hold;
  hold.add(1);
  REQUIRE_FALSE(pool.post([&] { hold.wait(); }));
  int calls = 0;
  auto r1 = pool.try_post_for(1ms, [&calls] { ++calls; });
  REQUIRE(r1);
  CHECK(r1.error() == gopool::errc::timeout);
  auto r2 = pool.try_post_until(gopool::Clock::now() - 1s, [&calls] { ++calls; });
  REQUIRE(r2);
  CHECK(r2.error() == gopool::errc::timeout);
  r1.take()();
  r2.take()();
  CHECK(calls == 2);
  CHECK(pool.stats().rejected_timeout == 2);
  hold.done();
}

TEST_CASE("try_post of a null function pointer: null_task, with the pointer back") {
  gopool::Pool pool(1);
  void (*none)() = nullptr;
  auto r = pool.try_post(none);
  REQUIRE(r);
  CHECK(r.error() == gopool::errc::null_task);
  const bool null_back = r.take() == nullptr;
  CHECK(null_back);
}

TEST_CASE("try_invoke hands the argument back") {
  gopool::PoolOptions options;
  options.nonblocking = true;
  gopool::WaitGroup hold;
  hold.add(1);
  gopool::PoolWithFunc<std::unique_ptr<int>> pool(
      1,
      [&](std::unique_ptr<int> p) {
        if (*p == 0) hold.wait();
      },
      options);
  REQUIRE_FALSE(pool.try_invoke(std::make_unique<int>(0)));
  auto refused = pool.try_invoke(std::make_unique<int>(42));
  REQUIRE(refused);
  CHECK(refused.error() == gopool::errc::pool_overload);
  std::unique_ptr<int> back = refused.take();
  REQUIRE(back);
  CHECK(*back == 42);
  hold.done();
}

TEST_CASE("RejectedTask::take<F> gives the handler the callable; a wrong type changes nothing") {
  struct Job {
    int* out;
    void operator()() const { ++*out; }
  };
  int from_handler = 0;
  bool wrong_type_empty = false;
  bool still_there = false;
  gopool::PoolOptions options;
  options.nonblocking = true;
  options.on_reject = [&](gopool::RejectedTask task) {
    wrong_type_empty = !task.take<int (*)()>().has_value();
    still_there = static_cast<bool>(task);
    std::optional<Job> job = task.take<Job>();
    REQUIRE(job);
    CHECK_FALSE(task);  // taken: nothing left to run or drop
    (*job)();
  };
  gopool::Pool pool(1, options);
  gopool::WaitGroup hold;
  hold.add(1);
  REQUIRE_FALSE(pool.post([&] { hold.wait(); }));
  CHECK(pool.post(Job{&from_handler}) == gopool::errc::pool_overload);
  CHECK(wrong_type_empty);
  CHECK(still_there);
  CHECK(from_handler == 1);
  hold.done();
}

TEST_CASE("a closed MultiPool reports each refusal once: on_reject and the counters") {
  std::atomic<int> handled{0};
  gopool::PoolOptions options;
  options.name = "refusal-multi";
  options.on_reject = [&](gopool::RejectedTask task) {
    CHECK(task.error() == gopool::errc::pool_closed);
    ++handled;
  };
  gopool::MultiPool multi(2, 2, gopool::LoadBalancing::round_robin, options);
  multi.release();
  CHECK(multi.post([] {}) == gopool::errc::pool_closed);
  CHECK(multi.post_for(1ms, [] {}) == gopool::errc::pool_closed);
  auto future = multi.submit([] { return 1; });
  CHECK_THROWS_AS(future.get(), std::system_error);
  auto refused = multi.try_post([] {});
  REQUIRE(refused);
  CHECK(refused.error() == gopool::errc::pool_closed);
  CHECK(handled == 3);  // try_post hands back instead
  std::uint64_t rejected = 0;
  std::uint64_t closed = 0;
  for (const auto& p : gopool::debug::stats().pools) {
    if (p.name.rfind("refusal-multi/", 0) == 0) {
      rejected += p.rejected;
      closed += p.rejected_closed;
    }
  }
  CHECK(rejected == 4);
  CHECK(closed == 4);
}

TEST_CASE("a MultiPool's pass-on from a full pool to a free one is no refusal") {
  gopool::PoolOptions options;
  options.name = "refusal-pass";
  options.nonblocking = true;
  std::atomic<int> handled{0};
  options.on_reject = [&](gopool::RejectedTask) { ++handled; };
  gopool::MultiPool multi(2, 1, gopool::LoadBalancing::round_robin, options);
  gopool::WaitGroup hold;
  hold.add(1);
  REQUIRE_FALSE(multi.post([&] { hold.wait(); }));  // pool 0, held
  REQUIRE_FALSE(multi.post([] {}));                 // pool 1, done at once
  REQUIRE(gopool::test::wait_until([&] { return multi.busy() == 1; }, std::chrono::seconds(30)));
  // Round robin picks pool 0 (full) next: the task passes on to pool 1.
  CHECK_FALSE(multi.try_post([] {}));
  REQUIRE(gopool::test::wait_until([&] { return multi.busy() == 1; }, std::chrono::seconds(30)));
  CHECK_FALSE(multi.post([] {}));  // pool 1 again (pool 0 is still full)
  hold.done();
  multi.wait();
  CHECK(handled == 0);
  CHECK(multi.stats().rejected == 0);
  CHECK(multi.stats().submitted == 4);
}

TEST_CASE("a refusal says in a sentence which pool refused and why; pool_overload's two causes") {
  std::string seen;
  gopool::PoolOptions full;
  full.name = "why-full";
  full.nonblocking = true;
  full.on_reject = [&](gopool::RejectedTask task) { seen = task.why(); };
  gopool::Pool nonblocking(1, full);
  gopool::WaitGroup hold;
  hold.add(1);
  REQUIRE_FALSE(nonblocking.post([&] { hold.wait(); }));
  CHECK(nonblocking.post([] {}) == gopool::errc::pool_overload);
  CHECK(seen == "pool \"why-full\" is full (capacity 1) and nonblocking");
  auto future = nonblocking.submit([] { return 1; });
  try {
    (void)future.get();
    FAIL("the future of a refused submit must throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == gopool::errc::pool_overload);
    CHECK(std::string(e.what()).find("pool \"why-full\" is full (capacity 1) and nonblocking") !=
          std::string::npos);
  }

  gopool::PoolOptions waiters;
  waiters.name = "why-waiters";
  waiters.max_blocking_tasks = 1;
  waiters.on_reject = [&](gopool::RejectedTask task) { seen = task.why(); };
  gopool::Pool limited(1, waiters);
  REQUIRE_FALSE(limited.post([&] { hold.wait(); }));
  std::thread blocked([&] { CHECK_FALSE(limited.post([] {})); });
  REQUIRE(
      gopool::test::wait_until([&] { return limited.waiting() == 1; }, std::chrono::seconds(30)));
  CHECK(limited.post([] {}) == gopool::errc::pool_overload);
  CHECK(seen ==
        "pool \"why-waiters\" is full (capacity 1) and max_blocking_tasks (1) callers wait "
        "already");
  CHECK(limited.post_for(std::chrono::milliseconds(0), [] {}) == gopool::errc::pool_overload);
  hold.done();
  blocked.join();
  limited.release();
  CHECK(limited.post([] {}) == gopool::errc::pool_closed);
  CHECK(seen == "pool \"why-waiters\" is closed (released)");
}
