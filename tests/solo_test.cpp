// Solo mode (scheduler.cpp): while exactly one P is alive its owner takes from its run queue
// with plain stores. These tests check when the mode is on, and that leaving it (a second P, a
// spare for a hogged P) while goroutines hand off and yield on that P runs every goroutine
// exactly once: a goroutine taken twice would run on two threads at once and break the strict
// sequences below, or crash.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include <gopool/chan.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include "runtime/scheduler.hpp"
#include "support/scaled.hpp"
#include "support/wait_until.hpp"

namespace {

bool solo() {
  return gopool::detail::solo_mode();
}

bool solo_capable() {
  return gopool::detail::solo_mode_capable();
}

// Pairs of goroutines that pass a counter back and forth over unbuffered channels and yield
// now and then. Each answer must be exactly one more than what was sent.
struct PingPongers {
  explicit PingPongers(int pairs, int rounds) : broken(0), finished(0) {
    wg.add(2 * static_cast<std::int64_t>(pairs));
    for (int i = 0; i < pairs; ++i) {
      gopool::Chan<int> ping;
      gopool::Chan<int> pong;
      gopool::go([this, ping, pong] {
        while (auto v = ping.recv()) {
          if (*v % 7 == 0) gopool::yield();
          pong.send(*v + 1);
        }
        wg.done();
      });
      gopool::go([this, ping, pong, rounds] {
        int value = 0;
        for (int r = 0; r < rounds; ++r) {
          ping.send(value);
          const auto answer = pong.recv();
          if (!answer || *answer != value + 1) broken.fetch_add(1);
          value = answer.value_or(value + 1);
          if (r % 5 == 0) gopool::yield();
        }
        ping.close();
        finished.fetch_add(1);
        wg.done();
      });
    }
  }

  gopool::WaitGroup wg;
  std::atomic<int> broken;
  std::atomic<int> finished;
};

}  // namespace

TEST_CASE("solo mode is on while one P is alive and off while a second one is") {
  const int old = gopool::set_procs(2);
  CHECK_FALSE(solo());
  gopool::set_procs(1);
  if (solo_capable()) {
    // The second P dies at its M's next scheduling point, or at once if it was idle.
    CHECK(gopool::test::wait_until([] { return solo(); }));
  } else {
    MESSAGE("the kernel has no private expedited membarrier: solo mode stays off");
    CHECK_FALSE(solo());
  }
  gopool::set_procs(3);
  CHECK_FALSE(solo());
  gopool::set_procs(old);
  if (old == 1 && solo_capable()) {
    CHECK(gopool::test::wait_until([] { return solo(); }));  // the extra Ps die as above
  } else {
    CHECK_FALSE(solo());
  }
}

TEST_CASE("hand-offs and yields lose and repeat nothing while set_procs flips between 1 and 2") {
  const int old = gopool::set_procs(1);
  constexpr int kPairs = 8;
  const int rounds = gopool::test::scaled(20000, 2000);
  PingPongers players(kPairs, rounds);
  // Many goroutines that only yield keep the ring full, so that thieves find work in it.
  constexpr int kYielders = 64;
  std::vector<long> yields(kYielders, 0);  // each written by its own goroutine only
  gopool::WaitGroup yielders;
  yielders.add(kYielders);
  for (int i = 0; i < kYielders; ++i) {
    gopool::go([&, i] {
      for (int r = 0; r < rounds; ++r) {
        ++yields[static_cast<std::size_t>(i)];
        gopool::yield();
      }
      yielders.done();
    });
  }
  std::atomic<bool> stop{false};
  std::thread flipper([&] {
    for (int i = 0; !stop.load(); ++i) {
      gopool::set_procs(1 + i % 2);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  players.wg.wait();
  yielders.wait();
  stop = true;
  flipper.join();
  gopool::set_procs(old);
  CHECK(players.broken.load() == 0);
  CHECK(players.finished.load() == kPairs);
  for (const long n : yields)
    CHECK(n == rounds);
}

TEST_CASE("a goroutine hogging the single P gets a spare: solo mode ends, and comes back after") {
  const int old = gopool::set_procs(1);
  if (solo_capable()) REQUIRE(gopool::test::wait_until([] { return solo(); }));
  std::atomic<bool> hog_started{false};
  std::atomic<bool> release_hog{false};
  gopool::WaitGroup hog;
  hog.add(1);
  gopool::go([&] {
    hog_started = true;
    while (!release_hog.load(std::memory_order_relaxed)) {
      // no switch point: sysmon gives the waiting goroutines a spare P
    }
    hog.done();
  });
  REQUIRE(gopool::test::wait_until([&] { return hog_started.load(); }));
  // These can run only on the spare while the hog holds the P.
  PingPongers players(4, gopool::test::scaled(5000, 500));
  players.wg.wait();
  CHECK_FALSE(solo());  // the spare is alive as long as the hog runs
  release_hog = true;
  hog.wait();
  CHECK(players.broken.load() == 0);
  CHECK(players.finished.load() == 4);
  if (solo_capable()) {
    // The hog switched: its stand-in retires at its M's next scheduling point.
    CHECK(gopool::test::wait_until([] { return solo(); }));
  }
  gopool::set_procs(old);
}
