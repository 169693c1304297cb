// The wait seam (gopool/detail/wait_state.hpp): a wait ends only when its own state holds a
// result. Spurious, stale and duplicate wake-ups, and a wake racing a timeout, are harmless.
#include <doctest/doctest.h>
#include <gopool/detail/spin_lock.hpp>
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

// wait_unlocking against a waker that reaches the state only under the lock, as a channel's
// completer does: every round's owner returns with the waker's result, exactly once. The waker
// is a thread or a goroutine (on either P).
void unlocking_wait_against(bool goroutine_owner, bool goroutine_waker, int rounds) {
  gopool::detail::SpinLock lock;
  WaitState* queued = nullptr;  // guarded by lock
  std::atomic<bool> stop{false};
  std::atomic<int> woken{0};
  auto waker = [&] {
    while (!stop.load(std::memory_order_relaxed)) {
      lock.lock();
      WaitState* take = queued;
      queued = nullptr;
      lock.unlock();
      if (take != nullptr) {
        take->wake(kDone);
        woken.fetch_add(1);
      } else if (goroutine_waker) {
        gopool::yield();
      }
    }
  };
  int returned = 0;
  auto owner = [&] {
    for (int i = 0; i < rounds; ++i) {
      WaitState ws;
      lock.lock();
      queued = &ws;
      // Released on every path: a lock left held would stop the waker, and this loop with it.
      CHECK(ws.wait_unlocking(lock, WaitReason::chan_recv) == kDone);
      ++returned;
    }
  };
  gopool::WaitGroup wg;
  wg.add(1);
  std::thread waker_thread;
  if (goroutine_waker) {
    gopool::go([&] {
      waker();
      wg.done();
    });
  } else {
    waker_thread = std::thread([&] {
      waker();
      wg.done();
    });
  }
  if (goroutine_owner) {
    gopool::test::in_goroutine(owner);
  } else {
    owner();
  }
  stop.store(true);
  wg.wait();
  if (waker_thread.joinable()) waker_thread.join();
  CHECK(returned == rounds);
  CHECK(woken.load() == rounds);
}

}  // namespace

TEST_CASE("wait_unlocking: a waker that takes the lock wakes its holder exactly once") {
  // A goroutine releases the lock only once off its stack; the waker spins on the lock through
  // the switch. A thread releases it before its futex wait.
  SUBCASE("goroutine owner, thread waker") {
    unlocking_wait_against(true, false, kRaces / 4);
  }
  SUBCASE("goroutine owner, goroutine waker") {
    unlocking_wait_against(true, true, kRaces / 4);
  }
  SUBCASE("thread owner, goroutine waker") {
    unlocking_wait_against(false, true, kRaces / 20);
  }
  SUBCASE("goroutine owner and waker on one P") {
    const int old = gopool::set_procs(1);
    unlocking_wait_against(true, true, kRaces / 4);
    gopool::set_procs(old);
  }
}

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
