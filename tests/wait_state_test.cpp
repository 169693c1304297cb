// The wait seam (gopool/detail/wait_state.hpp): a wait ends only when its own state holds a
// result. Spurious, stale and duplicate wake-ups, and a wake racing a timeout, are harmless.
#include <doctest/doctest.h>
#include <gopool/detail/wait_state.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "runtime/parker.hpp"
#include "support/in_goroutine.hpp"

using gopool::detail::WaitReason;
using gopool::detail::WaitState;
using namespace std::chrono_literals;

namespace {

constexpr WaitState::Result kDone = WaitState::kFirstResult;
constexpr WaitState::Result kOther = WaitState::kFirstResult + 7;

#if defined(GOPOOL_TSAN) || defined(GOPOOL_ASAN)
constexpr int kRaces = 2000;
#else
constexpr int kRaces = 20000;
#endif

// Leaves `n` wake-up permits on the caller's own parker, as a notify that outlived its wait does.
void leave_stale_wakeups(int n) {
  for (int i = 0; i < n; ++i) {
    gopool::detail::unpark(gopool::detail::current_parker());
  }
}

// The owner waits with stale wake-ups pending; the result must come from the waker only.
void stale_wakeups_do_not_end_a_wait() {
  WaitState ws;
  std::atomic<bool> published{false};
  leave_stale_wakeups(3);
  std::thread waker([&] {
    std::this_thread::sleep_for(20ms);
    published.store(true);
    ws.wake(kOther);
  });
  CHECK(ws.wait(WaitReason::future) == kOther);
  CHECK(published.load());
  waker.join();
}

// A wake that races the deadline: exactly one of "woken" and "timed out and withdrawn" happens,
// and a withdrawn state is never woken afterwards.
void wake_races_timeout() {
  int woken = 0;
  int timed_out = 0;
  for (int i = 0; i < kRaces; ++i) {
    WaitState ws;
    std::atomic<int> claimed{0};  // the "queue": 1 = taken by the waker, 2 = withdrawn
    std::thread waker([&] {
      if (i % 3 != 0) std::this_thread::yield();
      int expected = 0;
      if (claimed.compare_exchange_strong(expected, 1)) ws.wake(kDone);
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(i % 50);
    WaitState::Result r = ws.wait_until(deadline, WaitReason::select);
    if (r == WaitState::kPending) {
      int expected = 0;
      if (claimed.compare_exchange_strong(expected, 2)) {
        ++timed_out;
      } else {
        r = ws.wait(WaitReason::select);  // the waker took it: its wake is on the way
      }
    }
    if (r != WaitState::kPending) {
      CHECK(r == kDone);
      ++woken;
    }
    waker.join();
  }
  CHECK(woken + timed_out == kRaces);
}

}  // namespace

TEST_CASE("a wake that comes before the wait is kept in the state") {
  WaitState ws;
  ws.wake(kDone);
  CHECK(ws.result() == kDone);
  CHECK(ws.wait(WaitReason::future) == kDone);
  CHECK(ws.wait_until(std::chrono::steady_clock::now(), WaitReason::future) == kDone);
}

TEST_CASE("a wait_until with nobody to wake it times out with kPending") {
  WaitState ws;
  leave_stale_wakeups(2);  // stale wake-ups must not end it early either
  CHECK(ws.wait_until(std::chrono::steady_clock::now() + 5ms, WaitReason::sleep) ==
        WaitState::kPending);
  CHECK(ws.result() == WaitState::kPending);
  gopool::test::in_goroutine([] {
    WaitState g;
    leave_stale_wakeups(2);
    CHECK(g.wait_until(std::chrono::steady_clock::now() + 5ms, WaitReason::sleep) ==
          WaitState::kPending);
  });
}

TEST_CASE("stale wake-ups do not end a wait (thread)") {
  stale_wakeups_do_not_end_a_wait();
}

TEST_CASE("stale wake-ups do not end a wait (goroutine)") {
  gopool::test::in_goroutine([] { stale_wakeups_do_not_end_a_wait(); });
}

TEST_CASE("duplicate and spurious unparks of a waiting goroutine are shrugged off") {
  WaitState* shared = nullptr;
  gopool::detail::Parker* parker = nullptr;
  std::atomic<bool> ready{false};
  std::atomic<bool> published{false};
  std::atomic<bool> returned{false};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    WaitState ws;
    shared = &ws;
    parker = gopool::detail::current_parker();
    ready.store(true);
    CHECK(ws.wait(WaitReason::future) == kDone);
    CHECK(published.load());
    returned.store(true);
    wg.done();
  });
  while (!ready.load())
    std::this_thread::yield();
  for (int i = 0; i < 1000; ++i) {
    gopool::detail::unpark(parker);  // raw wake-ups with no result behind them
    if (i % 100 == 0) std::this_thread::sleep_for(100us);
  }
  CHECK_FALSE(returned.load());
  published.store(true);
  shared->wake(kDone);
  wg.wait();
  CHECK(returned.load());
}

TEST_CASE("a wake racing a timeout is seen exactly once (thread)") {
  wake_races_timeout();
}

TEST_CASE("a wake racing a timeout is seen exactly once (goroutine)") {
  gopool::test::in_goroutine([] { wake_races_timeout(); });
}

TEST_CASE("a deadline of time_point::max() waits until woken") {
  WaitState ws;
  std::thread waker([&] {
    std::this_thread::sleep_for(20ms);
    ws.wake(kDone);
  });
  CHECK(ws.wait_until(std::chrono::steady_clock::time_point::max(), WaitReason::future) == kDone);
  waker.join();
}
