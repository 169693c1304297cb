// Cancellation reaches parked waiters: every context-aware wait (sleep, select on done(), a
// pool's blocked post, a Semaphore, TCP read / write / accept, wait_readable) returns ctx.err()
// once its Context is cancelled or its deadline passes, from goroutines and from threads; a cancel
// racing the wait's own ending gives exactly one outcome.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <system_error>
#include <thread>
#include <vector>

#include <gopool/context.hpp>
#include <gopool/net.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/select.hpp>
#include <gopool/semaphore.hpp>
#include <gopool/wait_group.hpp>

#include "gopool/detail/netpoll.hpp"
#include "support/in_goroutine.hpp"
#include "support/wait_until.hpp"

using namespace std::chrono_literals;
namespace net = gopool::net;
using gopool::context_errc;
using gopool::test::in_goroutine;

namespace {

// At least n goroutines and threads wait on the netpoller.
bool netpoll_waiters_at_least(std::int64_t n) {
  return gopool::test::wait_until([n] { return gopool::detail::netpoll_waiters() >= n; });
}

struct Pair {
  net::TcpStream client;
  net::TcpStream server;
};

Pair connected_pair() {
  auto listener = net::TcpListener::listen("127.0.0.1:0");
  REQUIRE(listener);
  auto client = net::TcpStream::connect(listener->local_address().value());
  REQUIRE(client);
  auto server = listener->accept();
  REQUIRE(server);
  return {std::move(*client), std::move(*server)};
}

}  // namespace

TEST_CASE("sleep_for(ctx): the clock, a cancel, a deadline, a context already done") {
  auto check = [] {
    auto live = gopool::with_cancel(gopool::background());
    CHECK_FALSE(gopool::sleep_for(live, 1ms));  // the clock wins
    CHECK_FALSE(gopool::sleep_for(live, 0s));
    CHECK_FALSE(gopool::sleep_for(live, -5s));
    CHECK_FALSE(gopool::sleep_for(gopool::background(), 1ms));

    auto timed = gopool::with_timeout(gopool::background(), 2ms);
    CHECK(gopool::sleep_for(timed, std::chrono::hours::max()) == context_errc::deadline_exceeded);
    CHECK(gopool::sleep_until(timed, gopool::Clock::time_point::max()) ==
          context_errc::deadline_exceeded);

    auto done = gopool::with_cancel(gopool::background());
    done.cancel();
    CHECK(gopool::sleep_for(done, 1h) == context_errc::canceled);
    CHECK(gopool::sleep_for(done, 0s) == context_errc::canceled);  // reported even without a wait
  };
  check();  // a thread
  in_goroutine(check);
}

TEST_CASE("a cancel wakes sleepers parked for ever, in goroutines and threads, through a parent") {
  auto parent = gopool::with_cancel(gopool::background());
  constexpr int kGoroutines = 64;
  std::atomic<int> canceled{0};
  gopool::WaitGroup wg;
  wg.add(kGoroutines + 2);
  for (int i = 0; i < kGoroutines; ++i) {
    gopool::go([&, child = gopool::with_cancel(parent)] {
      if (gopool::sleep_for(child, std::chrono::nanoseconds::max()) == context_errc::canceled) {
        canceled.fetch_add(1);
      }
      wg.done();
    });
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      if (gopool::sleep_until(parent, gopool::Clock::time_point::max()) == context_errc::canceled) {
        canceled.fetch_add(1);
      }
      wg.done();
    });
  }
  gopool::sleep_for(5ms);
  parent.cancel();
  wg.wait();
  for (auto& t : threads)
    t.join();
  CHECK(canceled.load() == kGoroutines + 2);
}

TEST_CASE("a cancel racing the clock: exactly one outcome, never a lost or double wake-up") {
  in_goroutine([] {
    constexpr int kRounds = 2000;
    std::atomic<int> slept{0};
    std::atomic<int> canceled{0};
    gopool::WaitGroup wg;
    for (int i = 0; i < kRounds; ++i) {
      auto ctx = gopool::with_cancel(gopool::background());
      wg.add(2);
      gopool::go([&, ctx, i] {
        const std::error_code ec = gopool::sleep_for(ctx, std::chrono::microseconds(i % 50));
        (ec ? canceled : slept).fetch_add(1);
        if (ec) CHECK(ec == context_errc::canceled);
        wg.done();
      });
      gopool::go([&, ctx] {
        ctx.cancel();
        wg.done();
      });
      if (i % 64 == 63) wg.wait();  // bounded: few goroutines alive at once
    }
    wg.wait();
    CHECK(slept.load() + canceled.load() == kRounds);
  });
}

TEST_CASE("select on ctx.done() and a channel: the cancel wins for a parked receiver") {
  in_goroutine([] {
    auto ctx = gopool::with_cancel(gopool::background());
    gopool::Chan<int> never;
    std::size_t fired = 99;
    gopool::WaitGroup wg;
    wg.add(1);
    gopool::go([&] {
      fired = gopool::select(gopool::on_recv(never), gopool::on_recv(ctx.done()));
      wg.done();
    });
    gopool::sleep_for(2ms);
    ctx.cancel();
    wg.wait();
    CHECK(fired == 1);
    CHECK(ctx.err() == context_errc::canceled);
  });
}

TEST_CASE("a post(ctx) blocked on a full pool gives up with the cancel, and the task is refused") {
  auto check = [] {
    gopool::Pool pool(1);
    std::atomic<bool> release{false};
    std::atomic<int> ran{0};
    REQUIRE_FALSE(pool.post([&] {
      while (!release.load())
        gopool::sleep_for(100us);
    }));
    auto ctx = gopool::with_cancel(gopool::background());
    std::error_code result;
    std::thread canceller([&] {
      std::this_thread::sleep_for(5ms);
      ctx.cancel();
    });
    result = pool.post(ctx, [&] { ran.fetch_add(1); });
    canceller.join();
    CHECK(result == context_errc::canceled);
    release = true;
    pool.wait();
    CHECK(ran.load() == 0);
  };
  check();
  in_goroutine(check);
}

TEST_CASE("TCP read, read_full, write_all and accept end with the context") {
  auto check = [] {
    auto p = connected_pair();
    auto l = net::TcpListener::listen("127.0.0.1:0");
    REQUIRE(l);

    // A context already done fails at once, moving nothing.
    auto done = gopool::with_cancel(gopool::background());
    done.cancel();
    char c = 0;
    CHECK(p.server.read(done, &c, 1).error == context_errc::canceled);
    CHECK(p.server.write(done, "x").error == context_errc::canceled);
    CHECK(l->accept(done).error() == context_errc::canceled);

    // A deadline on the context ends a parked read; the stream stays usable.
    auto soon = gopool::with_timeout(gopool::background(), 3ms);
    CHECK(p.server.read(soon, &c, 1).error == context_errc::deadline_exceeded);
    CHECK(p.client.write_all(std::string_view("ab")).bytes == 2);
    char two[2] = {};
    const auto r = p.server.read_full(gopool::background(), two, 2);
    CHECK(r.bytes == 2);
    CHECK(two[0] == 'a');

    // read_full reports the bytes it had when the cancel came.
    auto ctx = gopool::with_cancel(gopool::background());
    CHECK(p.client.write_all(std::string_view("xyz")).bytes == 3);
    const auto before = gopool::detail::netpoll_waiters();
    std::thread canceller([ctx, before] {
      // Once the read waits for more than the three bytes there are.
      CHECK(netpoll_waiters_at_least(before + 1));
      ctx.cancel();
    });
    char buf[8] = {};
    const auto partial = p.server.read_full(ctx, buf, sizeof buf);
    canceller.join();
    CHECK(partial.error == context_errc::canceled);
    CHECK(partial.bytes == 3);

    // A write_all parked on a full send buffer, and an accept with nobody connecting.
    auto wctx = gopool::with_timeout(gopool::background(), 20ms);
    const std::vector<char> big(64u << 20, 'w');
    const auto w = p.server.write_all(wctx, big.data(), big.size());
    CHECK(w.error == context_errc::deadline_exceeded);
    CHECK(w.bytes < big.size());
    auto actx = gopool::with_timeout(gopool::background(), 3ms);
    CHECK(l->accept(actx).error() == context_errc::deadline_exceeded);
    // The listener still accepts afterwards.
    auto conn = net::TcpStream::connect(l->local_address().value());
    REQUIRE(conn);
    CHECK(l->accept(gopool::background()));
  };
  check();  // threads block
  in_goroutine(check);
}

TEST_CASE("a cancel reaches goroutines parked in reads on many streams, and data racing it") {
  in_goroutine([] {
    constexpr int kStreams = 16;
    std::vector<Pair> pairs;
    for (int i = 0; i < kStreams; ++i)
      pairs.push_back(connected_pair());
    auto ctx = gopool::with_cancel(gopool::background());
    std::atomic<int> canceled{0};
    std::atomic<int> got{0};
    gopool::WaitGroup wg;
    wg.add(kStreams);
    const auto before = gopool::detail::netpoll_waiters();
    for (int i = 0; i < kStreams; ++i) {
      gopool::go([&, i] {
        char c = 0;
        const auto r = pairs[i].server.read(ctx, &c, 1);
        if (r.error == context_errc::canceled) {
          canceled.fetch_add(1);
        } else if (!r.error && r.bytes == 1) {
          got.fetch_add(1);
        }
        wg.done();
      });
    }
    REQUIRE(netpoll_waiters_at_least(before + kStreams));
    // Half get data at the moment of the cancel: each read ends once, one way or the other.
    for (int i = 0; i < kStreams; i += 2)
      (void)pairs[i].client.write(std::string_view("d"));
    ctx.cancel();
    wg.wait();
    CHECK(canceled.load() + got.load() == kStreams);
    CHECK(canceled.load() >= kStreams / 2);
  });
}

TEST_CASE("wait_readable(fd, ctx) on the user's own pipe") {
  int fds[2];
  REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  auto check = [&] {
    auto ctx = gopool::with_timeout(gopool::background(), 3ms);
    CHECK(net::wait_readable(fds[0], ctx) == context_errc::deadline_exceeded);
    CHECK_FALSE(net::wait_writable(fds[1], ctx));  // ready at the first look wins
    auto live = gopool::with_cancel(gopool::background());
    std::thread canceller([live] {
      std::this_thread::sleep_for(5ms);
      live.cancel();
    });
    CHECK(net::wait_readable(fds[0], live) == context_errc::canceled);
    canceller.join();
    // The fd is free for the next waiter, and data still wakes it.
    REQUIRE(write(fds[1], "r", 1) == 1);
    CHECK_FALSE(net::wait_readable(fds[0], gopool::background(), net::deadline_in(60s)));
    char c = 0;
    REQUIRE(read(fds[0], &c, 1) == 1);
  };
  check();
  in_goroutine(check);
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("Semaphore::acquire(ctx): the cancel withdraws a waiter and lets smaller ones through") {
  auto check = [] {
    gopool::Semaphore sem(2);
    auto done = gopool::with_cancel(gopool::background());
    done.cancel();
    CHECK_FALSE(sem.acquire(done, 1));  // available now: taken although ctx is done
    CHECK(sem.acquire(done, 5) == context_errc::canceled);
    CHECK(sem.available() == 1);

    // A big request waits at the head; a small one queues behind it (FIFO). Cancelling the
    // big one lets the small one have the permit that is there.
    auto big_ctx = gopool::with_cancel(gopool::background());
    std::error_code big = std::make_error_code(std::errc::io_error);
    std::error_code small = std::make_error_code(std::errc::io_error);
    gopool::WaitGroup wg;
    wg.add(2);
    gopool::go([&] {
      big = sem.acquire(big_ctx, 3);
      wg.done();
    });
    REQUIRE(gopool::test::wait_until([&] { return sem.waiters() == 1; }));
    gopool::go([&] {
      small = sem.acquire(gopool::background(), 1);
      wg.done();
    });
    REQUIRE(gopool::test::wait_until([&] { return sem.waiters() == 2; }));
    big_ctx.cancel();
    wg.wait();
    CHECK(big == context_errc::canceled);
    CHECK_FALSE(small);
    CHECK(sem.available() == 0);
    CHECK(sem.waiters() == 0);
    CHECK_THROWS_AS((void)sem.acquire(gopool::background(), -1), std::invalid_argument);
  };
  check();
  in_goroutine(check);
}

TEST_CASE("Semaphore::acquire(ctx): a cancel racing a release, many times: one outcome each") {
  in_goroutine([] {
    gopool::Semaphore sem(0);
    constexpr int kRounds = 2000;
    std::atomic<int> got{0};
    std::atomic<int> canceled{0};
    for (int i = 0; i < kRounds; ++i) {
      auto ctx = gopool::with_cancel(gopool::background());
      gopool::WaitGroup wg;
      wg.add(3);
      gopool::go([&] {
        (sem.acquire(ctx, 1) ? canceled : got).fetch_add(1);
        wg.done();
      });
      gopool::go([&] {
        sem.release(1);
        wg.done();
      });
      gopool::go([&] {
        ctx.cancel();
        wg.done();
      });
      wg.wait();
      // A permit not taken stays: take it back so every round starts at zero.
      (void)sem.try_acquire(1);
      CHECK(sem.available() == 0);
    }
    CHECK(got.load() + canceled.load() == kRounds);
    CHECK(sem.waiters() == 0);
  });
}
