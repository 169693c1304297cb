// TimerHeap and its lanes, driven directly with callback timers and a made-up clock: timers
// fire in deadline order whichever lane or heap holds them, stopped timers never fire, and the
// holes they leave are squeezed out.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include <gopool/detail/timer.hpp>

#include "runtime/timer_heap.hpp"

using gopool::detail::G;
using gopool::detail::kNoDeadline;
using gopool::detail::kTimerCallback;
using gopool::detail::Timer;
using gopool::detail::TimerAccess;
using gopool::detail::TimerHeap;
using gopool::detail::TimerLane;

namespace {

void no_ready(G* /*g*/) {
  FAIL("a callback timer readied a goroutine");
}

// Bench: a heap, its timers, and the order in which their callbacks ran.
struct Bench {
  TimerHeap heap;
  std::deque<Timer> timers;
  std::vector<std::int64_t> fired;  // deadlines, in firing order

  Timer& arm(std::int64_t when_ns) {
    Timer& t = timers.emplace_back();
    TimerAccess::set(&t, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(when_ns)),
                     kTimerCallback, nullptr);
    TimerAccess::set_callback(&t, [this, when_ns] { fired.push_back(when_ns); });
    std::lock_guard lock(heap.lock);
    heap.push_locked(&t);
    return t;
  }
  bool stop(Timer& t) {
    std::lock_guard lock(heap.lock);
    if (!t.armed()) return false;
    heap.remove_locked(&t);
    return true;
  }
  std::size_t size() {
    std::lock_guard lock(heap.lock);
    return heap.size_locked();
  }
  int run(std::int64_t now) { return heap.run_due(now, &no_ready); }
};

// What a TimerLane's moves must record: the slot of each timer.
struct NoMoves {
  void operator()(Timer* /*t*/, std::uint32_t /*slot*/) const noexcept {}
};

}  // namespace

TEST_CASE("timers of one duration, armed in order, fire in order and leave nothing behind") {
  Bench b;
  for (int i = 0; i < 10'000; ++i)
    b.arm(1'000 + i);
  CHECK(b.size() == 10'000);
  CHECK(b.heap.next.load() == 1'000);
  CHECK(b.run(999) == 0);
  CHECK(b.run(1'000 + 4'999) == 5'000);
  CHECK(b.heap.next.load() == 1'000 + 5'000);
  CHECK(b.run(1'000'000) == 5'000);
  CHECK(b.size() == 0);
  CHECK(b.heap.next.load() == kNoDeadline);
  REQUIRE(b.fired.size() == 10'000);
  CHECK(std::is_sorted(b.fired.begin(), b.fired.end()));
}

TEST_CASE("interleaved durations, out-of-order deadlines and stops keep deadline order") {
  // Several durations armed at a moving "now" fill the lanes; random deadlines overflow into
  // the heap; a third of the timers are stopped before they are due.
  Bench b;
  std::mt19937 rng(7);
  const std::int64_t durations[] = {100, 2'500, 40'000, 1'000'000, 7, 333};
  std::vector<Timer*> armed;
  std::vector<std::int64_t> expected;
  std::int64_t now = 0;
  for (int i = 0; i < 20'000; ++i) {
    now += rng() % 3;
    const std::int64_t when =
        i % 7 == 0 ? now + static_cast<std::int64_t>(rng() % 50'000) : now + durations[i % 6];
    armed.push_back(&b.arm(when));
    expected.push_back(when);
  }
  std::vector<bool> stopped(armed.size(), false);
  for (std::size_t i = 0; i < armed.size(); i += 3) {
    CHECK(b.stop(*armed[i]));
    CHECK_FALSE(b.stop(*armed[i]));  // a second stop finds it disarmed
    stopped[i] = true;
  }
  std::vector<std::int64_t> live;
  for (std::size_t i = 0; i < armed.size(); ++i) {
    if (!stopped[i]) live.push_back(expected[i]);
  }
  std::sort(live.begin(), live.end());
  CHECK(b.size() == live.size());
  // Fire in steps, checking each step fires exactly what is due.
  std::size_t done = 0;
  for (std::int64_t t = 0; done < live.size(); t += 997) {
    const auto due =
        static_cast<std::size_t>(std::upper_bound(live.begin(), live.end(), t) - live.begin());
    CHECK(b.run(t) == static_cast<int>(due - done));
    done = due;
  }
  CHECK(b.fired == live);
  CHECK(b.size() == 0);
  for (Timer* t : armed)
    CHECK_FALSE(t->armed());
}

TEST_CASE("stopping most timers of a lane squeezes the holes and keeps the rest in order") {
  Bench b;
  std::vector<Timer*> armed;
  for (int i = 0; i < 4'096; ++i)
    armed.push_back(&b.arm(10 + i));
  // Stop all but every 16th, from the back and the middle first, so holes pile up behind the
  // front until the lane squeezes them out (moving the survivors to new slots).
  for (int i = 4'095; i >= 0; --i) {
    if (i % 16 != 0) CHECK(b.stop(*armed[static_cast<std::size_t>(i)]));
  }
  CHECK(b.size() == 256);
  // Survivors can still be stopped by their (moved) slot, and the rest fire in order.
  CHECK(b.stop(*armed[16 * 100]));
  CHECK(b.run(1'000'000) == 255);
  REQUIRE(b.fired.size() == 255);
  CHECK(std::is_sorted(b.fired.begin(), b.fired.end()));
  CHECK(std::find(b.fired.begin(), b.fired.end(), 10 + 16 * 100) == b.fired.end());
}

TEST_CASE("a lane never holds more than twice its live timers") {
  // Arm and stop in a loop with a long deadline, as a server's read timeouts do: the lane
  // must not grow with the number of stops.
  TimerLane lane;
  std::deque<Timer> timers;
  Timer& keeper = timers.emplace_back();
  (void)lane.push({0, &keeper}, NoMoves{});
  std::vector<std::uint32_t> slots;
  for (int round = 0; round < 100'000; ++round) {
    Timer& t = timers.emplace_back();
    const std::uint32_t slot = lane.push({1 + round, &t}, NoMoves{});
    lane.remove(slot, NoMoves{});
    timers.pop_back();
  }
  CHECK(lane.live() == 1);
  CHECK(lane.front().timer == &keeper);
  std::vector<gopool::detail::TimerEntry> rest;
  lane.take_all(rest);
  CHECK(rest.size() == 1);
  CHECK(lane.empty());
}

TEST_CASE("move_all_to carries timers from lanes and heap, still in order") {
  Bench from;
  TimerHeap to;
  for (int i = 0; i < 1'000; ++i)
    from.arm(i % 5 == 0 ? 5'000 - i : 100 + i);  // a rising run and a falling one (heap)
  from.heap.move_all_to(to);
  CHECK(from.size() == 0);
  CHECK(from.heap.next.load() == kNoDeadline);
  {
    std::lock_guard lock(to.lock);
    CHECK(to.size_locked() == 1'000);
  }
  CHECK(to.run_due(1'000'000, &no_ready) == 1'000);
  CHECK(from.fired.size() == 1'000);
  CHECK(std::is_sorted(from.fired.begin(), from.fired.end()));
}
