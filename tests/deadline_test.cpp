// Durations and time points beyond the clock's range mean "forever" in every timed call of the
// runtime and sync headers, from a thread and from a goroutine. (The pool's timed calls are in
// pool_hostile_test.)
#include <doctest/doctest.h>
#include <gopool/chan.hpp>
#include <gopool/context.hpp>
#include <gopool/detail/deadline.hpp>
#include <gopool/future.hpp>
#include <gopool/mutex.hpp>
#include <gopool/net/deadline.hpp>
#include <gopool/runtime.hpp>
#include <gopool/select.hpp>
#include <gopool/semaphore.hpp>
#include <gopool/ticker.hpp>
#include <gopool/wait_group.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

using namespace std::chrono_literals;
using gopool::Clock;

namespace {

enum class Where { thread, goroutine };

// Runs `blocked` on a thread or a goroutine; it must still be waiting after a while; then
// `unblock` lets it finish, and it must report success (true).
void check_waits(Where where, const std::function<bool()>& blocked,
                 const std::function<void()>& unblock) {
  std::atomic<bool> returned{false};
  std::atomic<bool> ok{false};
  auto body = [&] {
    ok.store(blocked());
    returned.store(true);
  };
  std::thread t;
  gopool::WaitGroup wg;
  if (where == Where::thread) {
    t = std::thread(body);
  } else {
    wg.add(1);
    gopool::go([&] {
      body();
      wg.done();
    });
  }
  std::this_thread::sleep_for(30ms);
  CHECK_FALSE(returned.load());
  unblock();
  if (where == Where::thread) {
    t.join();
  } else {
    wg.wait();
  }
  CHECK(returned.load());
  CHECK(ok.load());
}

void every_timed_call(Where where) {
  SUBCASE("Chan::recv_for / recv_until") {
    gopool::Chan<int> ch;
    check_waits(
        where, [&] { return ch.recv_for(std::chrono::hours::max()) == 1; }, [&] { ch.send(1); });
    check_waits(
        where, [&] { return ch.recv_for(std::chrono::nanoseconds::max()) == 2; },
        [&] { ch.send(2); });
    check_waits(
        where, [&] { return ch.recv_until(Clock::time_point::max()) == 3; }, [&] { ch.send(3); });
  }
  SUBCASE("Chan::send_for / send_until") {
    gopool::Chan<int> ch;
    check_waits(
        where, [&] { return ch.send_for(1, std::chrono::seconds::max()); },
        [&] { CHECK(ch.recv() == 1); });
    check_waits(
        where, [&] { return ch.send_until(2, Clock::time_point::max()); },
        [&] { CHECK(ch.recv() == 2); });
  }
  SUBCASE("select on_timeout(hours::max()) and on_deadline(time_point::max())") {
    gopool::Chan<int> ch;
    check_waits(
        where,
        [&] {
          return gopool::select(gopool::on_recv(ch),
                                gopool::on_timeout(std::chrono::hours::max())) == 0;
        },
        [&] { ch.send(1); });
    check_waits(
        where,
        [&] {
          return gopool::select(gopool::on_recv(ch),
                                gopool::on_deadline(Clock::time_point::max())) == 0;
        },
        [&] { ch.send(2); });
  }
  SUBCASE("Mutex::try_lock_for / try_lock_until") {
    gopool::Mutex mu;
    mu.lock();
    check_waits(
        where, [&] { return mu.try_lock_for(std::chrono::hours::max()); }, [&] { mu.unlock(); });
    check_waits(
        where, [&] { return mu.try_lock_until(Clock::time_point::max()); }, [&] { mu.unlock(); });
    mu.unlock();
  }
  SUBCASE("Semaphore::acquire_for / acquire_until") {
    gopool::Semaphore sem(0);
    check_waits(
        where, [&] { return sem.acquire_for(std::chrono::hours::max()); }, [&] { sem.release(); });
    check_waits(
        where, [&] { return sem.acquire_until(Clock::time_point::max()); }, [&] { sem.release(); });
  }
  SUBCASE("Future::wait_for / wait_until") {
    gopool::Promise<int> p1;
    gopool::Future<int> f1 = p1.get_future();
    check_waits(
        where, [&] { return f1.wait_for(std::chrono::hours::max()); }, [&] { p1.set_value(1); });
    gopool::Promise<int> p2;
    gopool::Future<int> f2 = p2.get_future();
    check_waits(
        where, [&] { return f2.wait_until(Clock::time_point::max()); }, [&] { p2.set_value(2); });
  }
  SUBCASE("with_timeout(hours::max()) is never done by itself") {
    gopool::Context ctx = gopool::with_timeout(gopool::background(), std::chrono::hours::max());
    CHECK_FALSE(ctx.err());
    gopool::Context child = gopool::with_cancel(ctx);
    check_waits(
        where,
        [&] {
          return gopool::select(gopool::on_recv(child.done()),
                                gopool::on_timeout(std::chrono::seconds::max())) == 0;
        },
        [&] { child.cancel(); });
    CHECK_FALSE(ctx.err());
  }
  SUBCASE("after(hours::max()) never fires") {
    gopool::Chan<Clock::time_point> never = gopool::after(std::chrono::hours::max());
    gopool::Chan<int> ch;
    check_waits(
        where, [&] { return gopool::select(gopool::on_recv(never), gopool::on_recv(ch)) == 1; },
        [&] { ch.send(1); });
  }
}

// A goroutine (or thread) that sleeps "forever": still asleep after a while. It is left asleep.
void sleeps_forever(Where where, std::chrono::nanoseconds::rep which) {
  auto* returned = new std::atomic<bool>(false);  // outlives the test: the sleeper never ends
  auto body = [returned, which] {
    if (which == 0) {
      gopool::sleep_for(std::chrono::hours::max());
    } else if (which == 1) {
      gopool::sleep_for(std::chrono::nanoseconds::max());
    } else {
      gopool::sleep_until(Clock::time_point::max());
    }
    returned->store(true);
  };
  if (where == Where::thread) {
    std::thread(body).detach();
  } else {
    gopool::go(body);
  }
  std::this_thread::sleep_for(30ms);
  CHECK_FALSE(returned->load());
}

}  // namespace

TEST_CASE("deadline helpers saturate") {
  using gopool::detail::add_saturating;
  using gopool::detail::deadline_in;
  using gopool::detail::kForever;
  CHECK(deadline_in(std::chrono::hours::max()) == kForever);
  CHECK(deadline_in(std::chrono::seconds::max()) == kForever);
  CHECK(deadline_in(std::chrono::nanoseconds::max()) == kForever);
  CHECK(deadline_in(std::chrono::duration<double>(1e300)) == kForever);
  const Clock::time_point expired = deadline_in(-1s);
  CHECK(expired <= Clock::now());
  const Clock::time_point long_expired = deadline_in(std::chrono::hours::min());
  CHECK(long_expired <= Clock::now());
  CHECK(add_saturating(Clock::time_point::min(), -1s) == Clock::time_point::min());
  CHECK(add_saturating(Clock::time_point::max(), 1s) == kForever);
  CHECK(gopool::net::deadline_in(std::chrono::hours::max()) == gopool::net::kNoDeadline);
}

TEST_CASE("every timed call waits for ever given a huge duration (thread)") {
  every_timed_call(Where::thread);
}

TEST_CASE("every timed call waits for ever given a huge duration (goroutine)") {
  every_timed_call(Where::goroutine);
}

TEST_CASE("sleep_for(hours::max()), sleep_for(nanoseconds::max()), sleep_until(max) sleep") {
  for (int which = 0; which < 3; ++which) {
    sleeps_forever(Where::thread, which);
    sleeps_forever(Where::goroutine, which);
  }
}
