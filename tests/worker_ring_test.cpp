// WorkerRing, ported from ants' worker_loop_queue_test.go. Stamps come from a fake clock
// instead of time.Now() and sleeps, so the expiry arithmetic is exact and nothing waits.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <vector>

#include "pools/worker_ring.hpp"

using gopool::Clock;
using gopool::detail::PoolWorker;
using gopool::detail::WorkerRing;
using namespace std::chrono_literals;

namespace {

struct FakeClock {
  Clock::time_point now = Clock::time_point{} + 1000h;
  Clock::time_point tick() { return now += 1ns; }
  void sleep(Clock::duration d) { now += d; }
};

struct Workers {
  std::deque<PoolWorker> storage;
  PoolWorker* make(Clock::time_point last_used) {
    storage.emplace_back();
    storage.back().last_used = last_used;
    return &storage.back();
  }
};

std::vector<PoolWorker*> slots(const WorkerRing& q, std::size_t from, std::size_t to) {
  std::vector<PoolWorker*> v;
  for (std::size_t i = from; i < to; ++i) {
    v.push_back(q.slot(i));
  }
  return v;
}

}  // namespace

TEST_CASE("TestNewLoopQueue: a new ring is empty") {
  WorkerRing q(100);
  CHECK(q.size() == 0);
  CHECK(q.empty());
  CHECK(q.detach() == nullptr);
}

TEST_CASE("a ring needs at least one slot") {
  CHECK_THROWS_AS(WorkerRing(0), std::invalid_argument);
}

TEST_CASE("TestLoopQueue: insert, detach, full ring, expiry") {
  FakeClock clock;
  Workers workers;
  WorkerRing q(10);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(q.insert(workers.make(clock.tick())));
  }
  CHECK(q.size() == 5);
  CHECK(q.detach() == &workers.storage[0]);  // FIFO: the longest idle first
  CHECK(q.size() == 4);
  clock.sleep(1s);
  for (int i = 0; i < 6; ++i) {
    REQUIRE(q.insert(workers.make(clock.tick())));
  }
  CHECK(q.size() == 10);
  CHECK_FALSE(q.insert(workers.make(clock.tick())));  // full
  std::vector<PoolWorker*> out;
  q.take_expired(clock.tick() - 1s, out);
  CHECK(q.size() == 6);
  CHECK(out.size() == 4);
}

TEST_CASE("TestRotatedArraySearch: binary search over a wrapped ring") {
  FakeClock clock;
  Workers workers;
  WorkerRing q(10);

  // 1
  const Clock::time_point expiry1 = clock.tick();
  q.insert(workers.make(clock.tick()));
  CHECK(q.binary_search(clock.tick()) == 0);
  CHECK(q.binary_search(expiry1) == -1);

  // 2
  const Clock::time_point expiry2 = clock.tick();
  q.insert(workers.make(clock.tick()));
  CHECK(q.binary_search(expiry1) == -1);
  CHECK(q.binary_search(expiry2) == 0);
  CHECK(q.binary_search(clock.tick()) == 1);

  // more
  for (int i = 0; i < 5; ++i) {
    q.insert(workers.make(clock.tick()));
  }
  const Clock::time_point expiry3 = clock.tick();
  q.insert(workers.make(expiry3));
  while (q.insert(workers.make(clock.tick()))) {
  }
  CHECK(q.binary_search(expiry3) == 7);

  // rotate
  for (int i = 0; i < 6; ++i) {
    q.detach();
  }
  const Clock::time_point expiry4 = clock.tick();
  q.insert(workers.make(expiry4));
  for (int i = 0; i < 4; ++i) {
    q.insert(workers.make(clock.tick()));
  }
  // head = 6, tail = 5: [expiry4, t, t, t, t, tail, head, t, t, t]
  CHECK(q.head() == 6);
  CHECK(q.tail() == 5);
  CHECK(q.binary_search(expiry4) == 0);

  for (int i = 0; i < 3; ++i) {
    q.detach();
  }
  const Clock::time_point expiry5 = clock.tick();
  q.insert(workers.make(expiry5));
  // head = 9, tail = 6: [expiry4, t, t, t, t, expiry5, tail, -, -, head]
  CHECK(q.binary_search(expiry5) == 5);

  for (int i = 0; i < 3; ++i) {
    q.insert(workers.make(clock.tick()));
  }
  // head = tail = 9, full: [expiry4, t, t, t, t, expiry5, t, t, t, head]
  CHECK(q.size() == 10);
  CHECK(q.binary_search(expiry2) == -1);
  CHECK(q.binary_search(q.slot(9)->last_used) == 9);
  CHECK(q.binary_search(clock.tick()) == 8);
}

TEST_CASE("TestRetrieveExpiry: the expired workers, also across the wrap") {
  constexpr std::size_t size = 10;
  FakeClock clock;
  Workers workers;
  WorkerRing q(size);

  // [t+1s x5, t x5]: the first five expire.
  for (std::size_t i = 0; i < size / 2; ++i) {
    q.insert(workers.make(clock.tick()));
  }
  std::vector<PoolWorker*> expected = slots(q, 0, size / 2);
  clock.sleep(1s);
  for (std::size_t i = 0; i < size / 2; ++i) {
    q.insert(workers.make(clock.tick()));
  }
  std::vector<PoolWorker*> got;
  q.take_expired(clock.tick() - 1s, got);
  CHECK(got == expected);

  // [t x5, t+1s x5]: the second five expire.
  clock.sleep(1s);
  for (std::size_t i = 0; i < size / 2; ++i) {
    q.insert(workers.make(clock.tick()));
  }
  expected = slots(q, size / 2, size);
  got.clear();
  q.take_expired(clock.tick() - 1s, got);
  CHECK(got == expected);

  // [t+1s x3, -, -, t+1s x5] around the wrap: all eight expire, oldest (from the head) first.
  for (std::size_t i = 0; i < size / 2; ++i) {
    q.insert(workers.make(clock.tick()));
  }
  for (std::size_t i = 0; i < size / 2; ++i) {
    q.detach();
  }
  for (int i = 0; i < 3; ++i) {
    q.insert(workers.make(clock.tick()));
  }
  clock.sleep(1s);
  expected = slots(q, size / 2, size);
  const std::vector<PoolWorker*> wrapped = slots(q, 0, 3);
  expected.insert(expected.end(), wrapped.begin(), wrapped.end());
  got.clear();
  q.take_expired(clock.tick() - 1s, got);
  CHECK(got == expected);
  CHECK(q.empty());
}
