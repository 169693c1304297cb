// The pool under a hostile user: the failures found by trying it (stale wake-ups fooling a
// blocked post, huge expiries and timeouts, a destructor racing its callers), each as a
// regression test.
#include <doctest/doctest.h>
#include <gopool/chan.hpp>
#include <gopool/multi_pool.hpp>
#include <gopool/pool.hpp>
#include <gopool/pool_with_func.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "support/in_goroutine.hpp"
#include "support/scaled.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kRounds = gopool::test::scaled(10000, 2000);

// F1: a receive that completes without consuming its wake-up used to leave a permit behind, and
// a post() blocked on the full pool then woke with no worker granted and crashed.
void stale_wakeup_then_blocked_post() {
  gopool::Pool pool(1);
  std::atomic<long> ran{0};
  long posted = 0;
  for (int i = 0; i < kRounds; ++i) {
    gopool::Chan<int> ch;
    gopool::go([ch] { ch.send(1); });
    (void)ch.recv();
    if (!pool.post([&] {
          gopool::sleep_for(20us);
          ran++;
        })) {
      ++posted;
    }
    if (!pool.post([&] { ran++; })) {  // blocks: the only worker is busy
      ++posted;
    }
  }
  pool.wait();
  CHECK(posted == 2L * kRounds);
  CHECK(ran.load() == posted);
}

// Waits until `blocked` has been running for a while without returning, then lets the pool go
// on and checks that the call succeeded: a huge timeout means "forever", not "now".
void check_waits_forever(const std::function<std::error_code()>& blocked,
                         const std::function<void()>& unblock) {
  std::atomic<bool> returned{false};
  std::error_code ec = make_error_code(gopool::errc::timeout);
  std::thread caller([&] {
    ec = blocked();
    returned.store(true);
  });
  std::this_thread::sleep_for(30ms);
  CHECK_FALSE(returned.load());
  unblock();
  caller.join();
  CHECK_FALSE(ec);
}

// A pool of one whose single worker is held until release() is called.
struct HeldPool {
  gopool::Pool pool{1};
  std::atomic<bool> go_on{false};
  HeldPool() {
    REQUIRE_FALSE(pool.post([this] {
      while (!go_on.load())
        gopool::sleep_for(1ms);
    }));
    while (pool.busy() == 0)
      std::this_thread::yield();
  }
  void release() { go_on.store(true); }
};

}  // namespace

TEST_CASE("F1: a stale wake-up does not fool a post() blocked on a full pool (thread)") {
  stale_wakeup_then_blocked_post();
}

TEST_CASE("F1: a stale wake-up does not fool a post() blocked on a full pool (goroutine)") {
  gopool::test::in_goroutine([] { stale_wakeup_then_blocked_post(); });
}

TEST_CASE("F1: four threads posting into a pool of one, each after a channel hand-off") {
  gopool::Pool pool(1);
  std::atomic<long> ran{0};
  std::atomic<long> posted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds / 8; ++i) {
        gopool::Chan<int> ch;
        gopool::go([ch] { ch.send(1); });
        (void)ch.recv();
        if (!pool.post([&] { ran++; })) posted++;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  pool.wait();
  CHECK(ran.load() == posted.load());
  CHECK(posted.load() == 4L * (kRounds / 8));
}

TEST_CASE("F2: an expiry of nanoseconds::max() means workers never expire") {
  gopool::PoolOptions options;
  options.expiry = std::chrono::nanoseconds::max();
  gopool::Pool pool(4, options);
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) {
    REQUIRE_FALSE(pool.post([&] { ran++; }));
  }
  pool.wait();
  CHECK(ran.load() == 100);
  CHECK(pool.running() > 0);  // nothing purged them
  CHECK_FALSE(pool.release_timeout(std::chrono::hours::max()));
  CHECK(pool.running() == 0);
}

TEST_CASE("F3: post_for/post_until/submit_for with huge timeouts wait for a worker") {
  {
    HeldPool h;
    check_waits_forever([&] { return h.pool.post_for(std::chrono::hours::max(), [] {}); },
                        [&] { h.release(); });
  }
  {
    HeldPool h;
    check_waits_forever([&] { return h.pool.post_for(std::chrono::seconds::max(), [] {}); },
                        [&] { h.release(); });
  }
  {
    HeldPool h;
    check_waits_forever([&] { return h.pool.post_for(std::chrono::nanoseconds::max(), [] {}); },
                        [&] { h.release(); });
  }
  {
    HeldPool h;
    check_waits_forever([&] { return h.pool.post_until(gopool::Clock::time_point::max(), [] {}); },
                        [&] { h.release(); });
  }
  {
    HeldPool h;
    check_waits_forever(
        [&]() -> std::error_code {
          auto f = h.pool.submit_for(std::chrono::hours::max(), [] { return 7; });
          return f.get() == 7 ? std::error_code{} : make_error_code(gopool::errc::timeout);
        },
        [&] { h.release(); });
  }
}

TEST_CASE("F3: Pool::wait_for and release_timeout with huge durations wait for the tasks") {
  HeldPool h;
  check_waits_forever(
      [&]() -> std::error_code {
        return h.pool.wait_for(std::chrono::hours::max()) ? std::error_code{}
                                                          : make_error_code(gopool::errc::timeout);
      },
      [&] { h.release(); });
  HeldPool h2;
  check_waits_forever([&] { return h2.pool.release_timeout(std::chrono::hours::max()); },
                      [&] { h2.release(); });
}

TEST_CASE("F3: MultiPool::post_for and PoolWithFunc::invoke_for with hours::max() wait") {
  {
    gopool::MultiPool multi(2, 1, gopool::LoadBalancing::round_robin);
    std::atomic<bool> go_on{false};
    for (int i = 0; i < 2; ++i) {
      REQUIRE_FALSE(multi.post([&] {
        while (!go_on.load())
          gopool::sleep_for(1ms);
      }));
    }
    check_waits_forever([&] { return multi.post_for(std::chrono::hours::max(), [] {}); },
                        [&] { go_on.store(true); });
    multi.wait();
  }
  {
    std::atomic<bool> go_on{false};
    gopool::PoolWithFunc<int> pool(1, [&](int) {
      while (!go_on.load())
        gopool::sleep_for(1ms);
    });
    REQUIRE_FALSE(pool.invoke(1));
    check_waits_forever([&] { return pool.invoke_for(std::chrono::hours::max(), 2); },
                        [&] { go_on.store(true); });
    pool.wait();
  }
}

TEST_CASE("F3: a goroutine's post_for(hours::max()) on a full pool waits too") {
  HeldPool h;
  std::atomic<bool> returned{false};
  std::error_code ec = make_error_code(gopool::errc::timeout);
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    ec = h.pool.post_for(std::chrono::hours::max(), [] {});
    returned.store(true);
    wg.done();
  });
  std::this_thread::sleep_for(30ms);
  CHECK_FALSE(returned.load());
  h.release();
  wg.wait();
  CHECK_FALSE(ec);
}

TEST_CASE("F6: deleting a pool while callers are blocked in post() leaves nobody inside it") {
  for (int round = 0; round < 100; ++round) {
    auto* pool = new gopool::Pool(1);
    std::atomic<bool> go_on{false};
    REQUIRE_FALSE(pool->post([&] {
      while (!go_on.load())
        gopool::sleep_for(100us);
    }));
    std::atomic<int> done{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> callers;
    for (int i = 0; i < 8; ++i) {
      callers.emplace_back([&] {
        const std::error_code ec = pool->post([] {});
        if (ec) {
          CHECK(ec == gopool::errc::pool_closed);
          refused++;
        }
        done++;
      });
    }
    // Every caller must be inside post() (blocked: the one worker is busy) before the delete;
    // a call that starts after it would be the caller's own use after free.
    while (pool->waiting() < 8)
      std::this_thread::yield();
    go_on.store(true);
    delete pool;  // must wait until every caller has left the pool's code
    for (auto& t : callers)
      t.join();
    CHECK(done.load() == 8);
  }
}

TEST_CASE("F6: the destructor waits for an on_reject handler still running") {
  std::atomic<bool> in_handler{false};
  std::atomic<bool> handler_done{false};
  gopool::PoolOptions options;
  options.nonblocking = true;
  options.on_reject = [&](gopool::RejectedTask task) {
    in_handler.store(true);
    std::this_thread::sleep_for(20ms);
    handler_done.store(true);
    task.drop();
  };
  auto* pool = new gopool::Pool(1, options);
  std::atomic<bool> go_on{false};
  REQUIRE_FALSE(pool->post([&] {
    while (!go_on.load())
      gopool::sleep_for(100us);
  }));
  std::thread caller([&] { CHECK(pool->post([] {}) == gopool::errc::pool_overload); });
  while (!in_handler.load())
    std::this_thread::yield();
  go_on.store(true);
  delete pool;
  CHECK(handler_done.load());
  caller.join();
}
