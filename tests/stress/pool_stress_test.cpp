// Stress: 1 000 000 tasks from 4 threads into one pool, with random throws, random tune(),
// blocking, timed and future-returning submissions, and a final release_timeout(); every count
// must add up exactly. Scaled down under sanitizers.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <random>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "gopool/pool.hpp"
#include "gopool/runtime.hpp"

using namespace std::chrono_literals;
using gopool::errc;

namespace {

#if defined(GOPOOL_TSAN) || defined(GOPOOL_ASAN)
constexpr int kTotal = 200'000;
#else
constexpr int kTotal = 1'000'000;
#endif
constexpr int kThreads = 4;

struct Boom : std::runtime_error {
  Boom() : std::runtime_error("boom") {}
};

}  // namespace

TEST_CASE("1M tasks, 4 producers, random throws and tune(): every count adds up") {
  std::atomic<std::int64_t> ran{0};
  std::atomic<std::int64_t> threw{0};
  std::atomic<std::int64_t> handled{0};
  std::atomic<std::int64_t> accepted{0};
  std::atomic<std::int64_t> refused{0};
  std::atomic<std::int64_t> handler_calls{0};
  std::atomic<std::int64_t> future_values{0};
  std::atomic<std::int64_t> future_errors{0};
  std::atomic<std::int64_t> future_refused{0};

  gopool::PoolOptions o;
  o.max_blocking_tasks = 3;  // 4 producers: the 4th blocked one is sometimes refused
  o.expiry = 50ms;           // let the purge run during the test
  o.on_exception = [&](std::exception_ptr) { handled.fetch_add(1); };
  o.on_reject = [&](gopool::RejectedTask t) {
    CHECK((t.error() == errc::pool_overload || t.error() == errc::timeout));
    handler_calls.fetch_add(1);
  };
  gopool::Pool pool(16, o);

  std::atomic<bool> producing{true};
  std::thread tuner([&] {
    std::mt19937 rng(7);
    while (producing.load()) {
      CHECK(!pool.tune(1 + static_cast<int>(rng() % 64)));
      std::this_thread::sleep_for(200us);
    }
  });

  auto task_for = [&](std::uint32_t r) {
    return [&, r] {
      if (r % 97 == 0) {
        threw.fetch_add(1);
        throw Boom();
      }
      if (r % 5 == 0) {
        gopool::yield();
      }
      ran.fetch_add(1);
    };
  };

  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<std::uint32_t>(t) + 1);
      std::vector<gopool::Future<int>> futures;
      auto drain = [&] {
        for (auto& f : futures) {
          try {
            future_values.fetch_add(f.get());
          } catch (const Boom&) {
            future_errors.fetch_add(1);
          } catch (const std::system_error& e) {
            CHECK((e.code() == errc::pool_overload || e.code() == errc::timeout));
            future_refused.fetch_add(1);
          }
        }
        futures.clear();
      };
      for (int i = 0; i < kTotal / kThreads; ++i) {
        const std::uint32_t r = rng();
        std::error_code ec;
        switch (t) {
          case 0:
          case 1:
            ec = pool.post(task_for(r));
            break;
          case 2:
            ec = pool.post_for(std::chrono::microseconds(r % 50), task_for(r));
            break;
          default:
            futures.push_back(pool.submit([r]() -> int {
              if (r % 97 == 0) {
                throw Boom();
              }
              return 1;
            }));
            if (futures.size() == 1024) {
              drain();
            }
            continue;
        }
        if (ec) {
          CHECK((ec == errc::pool_overload || ec == errc::timeout));
          refused.fetch_add(1);
        } else {
          accepted.fetch_add(1);
        }
      }
      drain();
    });
  }
  for (auto& p : producers) {
    p.join();
  }
  producing = false;
  tuner.join();

  REQUIRE(!pool.release_timeout(60s));
  CHECK(pool.running() == 0);
  CHECK(pool.busy() == 0);
  CHECK(pool.waiting() == 0);

  const std::int64_t per_thread = kTotal / kThreads;
  // Producers 0-2 (post / post_for): every task accepted or refused, never both.
  CHECK(accepted.load() + refused.load() == 3 * per_thread);
  // Every accepted task ran to the end or threw; every throw reached on_exception.
  CHECK(ran.load() + threw.load() == accepted.load());
  CHECK(handled.load() == threw.load());
  // Producer 3 (submit): every future resolved exactly once.
  CHECK(future_values.load() + future_errors.load() + future_refused.load() == per_thread);
  // Every refusal was reported once to on_reject, and counted once.
  CHECK(handler_calls.load() == refused.load() + future_refused.load());
  const gopool::PoolStats s = pool.stats();
  CHECK(s.rejected == static_cast<std::uint64_t>(handler_calls.load()));
  CHECK(s.exceptions == static_cast<std::uint64_t>(threw.load()));
  CHECK(s.completed ==
        static_cast<std::uint64_t>(accepted.load() + future_values.load() + future_errors.load()));
  MESSAGE("accepted " << accepted.load() << ", refused " << refused.load() << ", threw "
                      << threw.load() << ", workers started " << s.workers_started);
}

TEST_CASE("workers returning without the lock are never missed by blocked callers or wait()") {
  // Capacity 1 and one producer: each post races the worker filing itself back (without the
  // lock) against the producer starting to wait for it; a second round adds wait() and busy()
  // callers meanwhile. A missed worker would leave a caller blocked: post_for's timeout turns
  // that into a failed check instead of a hang.
  constexpr int kTasks = kTotal / 4;
  for (const bool watched : {false, true}) {
    CAPTURE(watched);
    gopool::Pool pool(1);
    std::atomic<std::int64_t> ran{0};
    std::atomic<std::int64_t> timed_out{0};
    std::atomic<bool> producing{true};
    std::int64_t odd_busy = 0;
    std::int64_t stuck_waits = 0;
    std::thread watcher([&] {
      while (watched && producing.load()) {
        const int busy = pool.busy();
        odd_busy += (busy != 0 && busy != 1) ? 1 : 0;
        stuck_waits += pool.wait_for(10s) ? 0 : 1;
      }
    });
    for (int i = 0; i < kTasks; ++i) {
      if (pool.post_for(10s, [&] { ran.fetch_add(1, std::memory_order_relaxed); })) {
        timed_out.fetch_add(1);
      }
    }
    producing.store(false);
    watcher.join();
    pool.wait();
    CHECK(timed_out.load() == 0);
    CHECK(odd_busy == 0);
    CHECK(stuck_waits == 0);
    CHECK(ran.load() == kTasks);
    CHECK(pool.busy() == 0);
    CHECK(pool.waiting() == 0);
    CHECK(pool.stats().completed == static_cast<std::uint64_t>(kTasks));
    CHECK(pool.running() == 1);
  }
}
