// WorkerStack, ported from ants' worker_stack_test.go. Stamps come from a fake clock instead of
// time.Now() and sleeps, so the expiry arithmetic is exact and nothing waits.
#include <doctest/doctest.h>

#include <chrono>
#include <deque>
#include <vector>

#include "pools/worker_stack.hpp"

using gopool::Clock;
using gopool::detail::PoolWorker;
using gopool::detail::WorkerStack;
using namespace std::chrono_literals;

namespace {

// FakeClock: strictly increasing time points (1 ns apart), and "sleeping" without waiting.
struct FakeClock {
  Clock::time_point now = Clock::time_point{} + 1000h;
  Clock::time_point tick() { return now += 1ns; }
  void sleep(Clock::duration d) { now += d; }
};

// Workers: owns the PoolWorker structs a test inserts.
struct Workers {
  std::deque<PoolWorker> storage;
  PoolWorker* make(Clock::time_point last_used) {
    storage.emplace_back();
    storage.back().last_used = last_used;
    return &storage.back();
  }
};

std::ptrdiff_t search(const WorkerStack& q, Clock::time_point cutoff) {
  return q.binary_search(0, static_cast<std::ptrdiff_t>(q.size()) - 1, cutoff);
}

}  // namespace

TEST_CASE("TestNewWorkerStack: a new stack is empty") {
  WorkerStack q(100);
  CHECK(q.size() == 0);
  CHECK(q.empty());
  CHECK(q.detach() == nullptr);
}

TEST_CASE("TestWorkerStack: take_expired removes exactly the workers idle longer than expiry") {
  FakeClock clock;
  Workers workers;
  WorkerStack q;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(q.insert(workers.make(clock.tick())));
  }
  CHECK(q.size() == 5);
  const Clock::time_point expired = clock.tick();
  REQUIRE(q.insert(workers.make(expired)));
  clock.sleep(1s);
  for (int i = 0; i < 6; ++i) {
    REQUIRE(q.insert(workers.make(clock.tick())));
  }
  CHECK(q.size() == 12);
  std::vector<PoolWorker*> out;
  CHECK(q.take_expired(clock.tick() - 1s, out) == 6);
  CHECK(q.size() == 6);
  REQUIRE(out.size() == 6);
  for (std::size_t i = 0; i < out.size(); ++i) {
    CHECK(out[i] == &workers.storage[i]);  // oldest first
  }
}

TEST_CASE("TestSearch: binary search over last-use stamps") {
  FakeClock clock;
  Workers workers;
  WorkerStack q;

  // 1
  const Clock::time_point expiry1 = clock.tick();
  q.insert(workers.make(clock.tick()));
  CHECK(search(q, clock.tick()) == 0);
  CHECK(search(q, expiry1) == -1);

  // 2
  const Clock::time_point expiry2 = clock.tick();
  q.insert(workers.make(clock.tick()));
  CHECK(search(q, expiry1) == -1);
  CHECK(search(q, expiry2) == 0);
  CHECK(search(q, clock.tick()) == 1);

  // more
  for (int i = 0; i < 5; ++i) {
    q.insert(workers.make(clock.tick()));
  }
  const Clock::time_point expiry3 = clock.tick();
  q.insert(workers.make(expiry3));
  for (int i = 0; i < 10; ++i) {
    q.insert(workers.make(clock.tick()));
  }
  CHECK(search(q, expiry3) == 7);
}

TEST_CASE("the stack is FILO and take_all empties it") {
  FakeClock clock;
  Workers workers;
  WorkerStack q;
  PoolWorker* a = workers.make(clock.tick());
  PoolWorker* b = workers.make(clock.tick());
  q.insert(a);
  q.insert(b);
  CHECK(q.detach() == b);  // the most recently idle worker first
  q.insert(b);
  std::vector<PoolWorker*> all;
  q.take_all(all);
  CHECK(all.size() == 2);
  CHECK(q.empty());
  std::vector<PoolWorker*> none;
  CHECK(q.take_expired(clock.tick(), none) == 0);
  CHECK(none.empty());
}
