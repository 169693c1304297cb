// after(d) and Ticker: they fire, stop, reset, and leave no timer or goroutine behind.
#include "gopool/ticker.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <utility>

#include "gopool/runtime.hpp"
#include "gopool/select.hpp"
#include "gopool/wait_group.hpp"

using namespace std::chrono_literals;

TEST_CASE("after fires once, no earlier than asked") {
  const auto start = gopool::Clock::now();
  auto ch = gopool::after(5ms);
  CHECK(ch.capacity() == 1);
  const auto t = ch.recv();
  REQUIRE(t.has_value());
  CHECK(*t - start >= 5ms);  // a lower bound is behaviour, not a timing measurement
  CHECK_FALSE(ch.try_recv().has_value());
  CHECK_FALSE(ch.closed());

  auto now = gopool::after(0ms);
  CHECK(now.try_recv().has_value());
  auto negative = gopool::after(-1s);
  CHECK(negative.recv().has_value());
}

TEST_CASE("after as a select timeout, from a goroutine and from a thread") {
  gopool::Chan<int> never;
  std::size_t which = 99;
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&, never] {
    which = gopool::select(gopool::on_recv(never), gopool::on_recv(gopool::after(2ms)));
    wg.done();
  });
  wg.wait();
  CHECK(which == 1);
  CHECK(gopool::select(gopool::on_recv(never), gopool::on_recv(gopool::after(2ms))) == 1);
}

TEST_CASE("an abandoned after() is cleaned up at once") {
  // Thousands of long timers dropped right away: each one's timer stops with its last handle.
  const auto before = gopool::num_goroutines();
  for (int i = 0; i < 5000; ++i) {
    (void)gopool::after(1h);
  }
  CHECK(gopool::num_goroutines() <= before);  // no goroutine per timer
}

TEST_CASE("a ticker ticks repeatedly and stops") {
  gopool::Ticker ticker(1ms);
  gopool::Clock::time_point last{};
  for (int i = 0; i < 5; ++i) {
    const auto t = ticker.chan().recv();
    REQUIRE(t.has_value());
    CHECK(*t > last);
    last = *t;
  }
  ticker.stop();
  ticker.stop();                   // idempotent
  (void)ticker.chan().try_recv();  // drain a tick buffered before stop
  CHECK_FALSE(ticker.chan().recv_for(10ms).has_value());
}

TEST_CASE("a slow receiver misses ticks instead of queueing them") {
  gopool::Ticker ticker(1ms);
  while (ticker.chan().size() == 0) {  // the first tick is buffered...
    gopool::sleep_for(1ms);
  }
  gopool::sleep_for(10ms);  // ...and the ~10 after it, with no room, are dropped
  CHECK(ticker.chan().size() == 1);
  CHECK(ticker.chan().try_recv().has_value());
}

TEST_CASE("reset changes the period; bad periods are rejected") {
  CHECK_THROWS_AS(gopool::Ticker(0ms), std::invalid_argument);
  CHECK_THROWS_AS(gopool::Ticker(-1s), std::invalid_argument);
  gopool::Ticker ticker(1h);
  CHECK_FALSE(ticker.chan().recv_for(5ms).has_value());
  ticker.reset(1ms);
  CHECK(ticker.chan().recv().has_value());
  CHECK_THROWS_AS(ticker.reset(0s), std::invalid_argument);
  CHECK(ticker.chan().recv().has_value());  // still ticking at 1ms
}

TEST_CASE("ticker destructor stops it; moved tickers keep ticking") {
  gopool::Chan<gopool::Clock::time_point> ch(nullptr);
  {
    gopool::Ticker a(1ms);
    gopool::Ticker b(std::move(a));
    ch = b.chan();
    CHECK(ch.recv().has_value());
    gopool::Ticker c(1h);
    c = std::move(b);
    CHECK(ch.recv().has_value());
  }
  (void)ch.try_recv();
  CHECK_FALSE(ch.recv_for(10ms).has_value());  // the channel outlives the ticker, silent
}

TEST_CASE("stop races ticks: many short-lived fast tickers") {
  for (int i = 0; i < 200; ++i) {
    gopool::Ticker t(std::chrono::microseconds(20 + i % 7));
    if (i % 2 == 0) {
      (void)t.chan().recv();
    }
    if (i % 3 == 0) {
      t.reset(std::chrono::microseconds(10));
    }
  }
  std::thread other([] {
    for (int i = 0; i < 200; ++i) {
      gopool::Ticker t(std::chrono::microseconds(15));
      (void)t.chan().recv();
    }
  });
  other.join();
}

TEST_CASE("huge periods and delays saturate instead of overflowing") {
  gopool::Ticker t(std::chrono::hours::max());
  CHECK_FALSE(t.chan().try_recv().has_value());
  t.reset(std::chrono::duration<double>(1e300));
  auto a = gopool::after(std::chrono::hours::max());
  CHECK_FALSE(a.try_recv().has_value());
}
