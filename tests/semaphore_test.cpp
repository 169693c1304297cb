// Semaphore: counting, weighted FIFO, timeouts, bad input, goroutines and threads together.
#include "gopool/semaphore.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gopool/runtime.hpp"
#include "gopool/wait_group.hpp"

using namespace std::chrono_literals;

namespace {

void await_waiters(const gopool::Semaphore& sem, std::size_t n) {
  while (sem.waiters() != n) {
    gopool::yield();
    std::this_thread::yield();
  }
}

}  // namespace

TEST_CASE("counting: acquire, try_acquire, release") {
  gopool::Semaphore sem(2);
  CHECK(sem.available() == 2);
  sem.acquire();
  CHECK(sem.try_acquire());
  CHECK_FALSE(sem.try_acquire());
  CHECK(sem.available() == 0);
  sem.release(2);
  CHECK(sem.try_acquire(2));
  CHECK(sem.try_acquire(0));
  sem.acquire(0);
  sem.release();
  CHECK(sem.available() == 1);
}

TEST_CASE("bad input is rejected and changes nothing") {
  CHECK_THROWS_AS(gopool::Semaphore(-1), std::invalid_argument);
  gopool::Semaphore sem(1);
  CHECK_THROWS_AS(sem.acquire(-1), std::invalid_argument);
  CHECK_THROWS_AS((void)sem.try_acquire(-1), std::invalid_argument);
  CHECK_THROWS_AS((void)sem.acquire_for(1ms, -1), std::invalid_argument);
  CHECK_THROWS_AS(sem.release(-1), std::invalid_argument);
  CHECK_THROWS_AS(sem.release(std::numeric_limits<std::int64_t>::max()), std::overflow_error);
  CHECK(sem.available() == 1);
}

TEST_CASE("timed acquire gives up, then succeeds") {
  gopool::Semaphore sem(0);
  CHECK_FALSE(sem.acquire_for(2ms));
  CHECK_FALSE(sem.acquire_for(0ms));
  CHECK_FALSE(sem.acquire_until(gopool::Clock::now() - 1s));
  CHECK(sem.waiters() == 0);
  std::atomic<bool> got{false};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    got = sem.acquire_for(1h);
    wg.done();
  });
  await_waiters(sem, 1);
  sem.release();
  wg.wait();
  CHECK(got);
  CHECK(sem.available() == 0);
}

TEST_CASE("weighted waiters are served FIFO; a big request is not overtaken") {
  gopool::Semaphore sem(0);
  gopool::WaitGroup wg;
  const std::int64_t sizes[] = {3, 1, 1};
  wg.add(3);
  for (int i = 0; i < 3; ++i) {
    gopool::go([&, i] {
      sem.acquire(sizes[i]);
      wg.done();
    });
    await_waiters(sem, static_cast<std::size_t>(i) + 1);
  }
  sem.release(1);  // not enough for the head (3): the small ones behind it must not jump ahead
  CHECK(sem.waiters() == 3);
  CHECK(sem.available() == 1);
  sem.release(2);  // 3 permits: all go to the head, none to the two small requests
  CHECK(sem.waiters() == 2);
  CHECK(sem.available() == 0);
  sem.release(2);
  wg.wait();
  CHECK(sem.waiters() == 0);
  CHECK(sem.available() == 0);
}

TEST_CASE("a timed-out head lets the smaller waiters behind it through") {
  // The big request must still be queued when the small one arrives; on a loaded machine its
  // timeout may pass first, so retry with longer timeouts until the scenario really happened.
  bool observed = false;
  for (auto timeout = 5ms; !observed && timeout < 10s; timeout *= 2) {
    gopool::Semaphore sem(1);
    std::atomic<int> big{-1};
    std::atomic<bool> small{false};
    gopool::WaitGroup wg;
    wg.add(2);
    gopool::go([&] {
      big = sem.acquire_for(timeout, 10) ? 1 : 0;
      wg.done();
    });
    while (sem.waiters() != 1 && big == -1) {
      gopool::yield();
    }
    std::thread t([&] {
      small = sem.acquire_for(1h, 1);
      wg.done();
    });
    while (sem.waiters() != 2 && big == -1) {
      gopool::yield();
    }
    observed = big == -1;  // both were queued, big at the head
    wg.wait();
    t.join();
    CHECK(big == 0);
    CHECK(small);
    CHECK(sem.waiters() == 0);
  }
  CHECK(observed);
}

TEST_CASE("a semaphore caps concurrency across goroutines and threads") {
  constexpr int kCap = 3;
  gopool::Semaphore sem(kCap);
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::atomic<int> done{0};
  gopool::WaitGroup wg;
  auto body = [&](int id) {
    for (int i = 0; i < 2000; ++i) {
      if ((id + i) % 3 == 0) {
        while (!sem.acquire_for(std::chrono::microseconds(1 + i % 5))) {
        }
      } else {
        sem.acquire();
      }
      const int now = inside.fetch_add(1) + 1;
      int seen = max_inside.load();
      while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
      }
      if (i % 100 == 0) {
        gopool::yield();
      }
      inside.fetch_sub(1);
      sem.release();
    }
    done.fetch_add(1);
    wg.done();
  };
  std::vector<std::thread> threads;
  wg.add(8);
  for (int w = 0; w < 8; ++w) {
    if (w % 2 == 0) {
      gopool::go([&, w] { body(w); });
    } else {
      threads.emplace_back([&, w] { body(w); });
    }
  }
  wg.wait();
  for (auto& t : threads) {
    t.join();
  }
  CHECK(done == 8);
  CHECK(max_inside <= kCap);
  CHECK(sem.available() == kCap);
}

TEST_CASE("huge timeouts saturate instead of overflowing") {
  gopool::Semaphore sem(1);
  CHECK(sem.acquire_for(std::chrono::hours::max()));
  gopool::go([&] { sem.release(); });
  CHECK(sem.acquire_for(std::chrono::hours::max()));
}
