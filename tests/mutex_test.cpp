// Mutex: exclusion, try_lock, timed lock, FIFO hand-off, goroutines and threads together.
#include "gopool/mutex.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "gopool/runtime.hpp"
#include "gopool/wait_group.hpp"

using namespace std::chrono_literals;

TEST_CASE("lock, try_lock, unlock; works with the standard lock helpers") {
  gopool::Mutex mu;
  CHECK(mu.try_lock());
  CHECK_FALSE(mu.try_lock());
  mu.unlock();
  {
    std::lock_guard guard(mu);
    CHECK_FALSE(mu.try_lock());
  }
  {
    std::unique_lock lock(mu, std::defer_lock);
    CHECK(lock.try_lock_for(1ms));
    CHECK(lock.owns_lock());
  }
  gopool::Mutex other;
  {
    std::scoped_lock both(mu, other);
    CHECK_FALSE(other.try_lock());
  }
  CHECK(mu.try_lock());
  mu.unlock();
}

TEST_CASE("a timed lock gives up while held, then succeeds once released") {
  gopool::Mutex mu;
  mu.lock();
  CHECK_FALSE(mu.try_lock_for(2ms));
  CHECK_FALSE(mu.try_lock_for(0ms));
  CHECK_FALSE(mu.try_lock_until(gopool::Clock::now() - 1s));
  std::atomic<bool> got{false};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    got = mu.try_lock_for(1h);
    mu.unlock();
    wg.done();
  });
  mu.unlock();
  wg.wait();
  CHECK(got);
}

TEST_CASE("mutual exclusion across goroutines and threads") {
  gopool::Mutex mu;
  long counter = 0;  // deliberately not atomic: the mutex protects it
  constexpr int kWorkers = 8;
  constexpr int kIters = 20000;
  gopool::WaitGroup wg;
  wg.add(kWorkers);
  auto body = [&](bool timed) {
    for (int i = 0; i < kIters; ++i) {
      if (timed && i % 2 == 0) {
        while (!mu.try_lock_for(std::chrono::microseconds(1 + i % 4))) {
        }
      } else {
        mu.lock();
      }
      ++counter;
      if (i % 512 == 0) {
        gopool::yield();  // park-free switch while holding the lock
      }
      mu.unlock();
    }
    wg.done();
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    if (w % 2 == 0) {
      gopool::go([&, w] { body(w % 4 == 0); });
    } else {
      threads.emplace_back([&, w] { body(w % 4 == 1); });
    }
  }
  wg.wait();
  for (auto& t : threads) {
    t.join();
  }
  CHECK(counter == static_cast<long>(kWorkers) * kIters);
}

TEST_CASE("contended waiters get the lock in arrival order") {
  gopool::Mutex mu;
  mu.lock();
  std::vector<int> order;
  gopool::WaitGroup wg;
  constexpr int kWaiters = 5;
  wg.add(kWaiters);
  for (int i = 0; i < kWaiters; ++i) {
    auto body = [&, i] {
      mu.lock();
      order.push_back(i);
      mu.unlock();
      wg.done();
    };
    if (i % 2 == 0) {
      gopool::go(body);
    } else {
      std::thread(body).detach();
    }
    while (mu.waiters() != static_cast<std::size_t>(i) + 1) {  // waiter i is queued
      gopool::yield();
    }
  }
  mu.unlock();
  wg.wait();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("huge timeouts saturate instead of overflowing") {
  gopool::Mutex mu;
  CHECK(mu.try_lock_for(std::chrono::hours::max()));
  gopool::go([&] {
    gopool::sleep_for(1ms);
    mu.unlock();
  });
  CHECK(mu.try_lock_for(std::chrono::hours::max()));  // waits for the goroutine's unlock
  mu.unlock();
}
