// LeakCheck: catches each goroutine leak of seeds 003 and 004 (with the wait reason and the
// creation site of the leaked goroutine) and passes their fixed versions; ignores goroutines
// that existed before, idle pool workers, and whatever the options exclude.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gopool/chan.hpp>
#include <gopool/context.hpp>
#include <gopool/leak_check.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/select.hpp>
#include <gopool/ticker.hpp>
#include <gopool/wait_group.hpp>

#include "support/wait_until.hpp"

namespace {

using gopool::debug::GoroutineState;
using gopool::debug::WaitReason;
using gopool::testing::LeakCheck;
using gopool::testing::LeakCheckOptions;
using gopool::testing::LeakError;

struct Unit {};

// A leak is certain in the leaking scenarios: a short grace keeps the suite quick.
LeakCheckOptions quick() {
  LeakCheckOptions o;
  o.grace = std::chrono::milliseconds(50);
  return o;
}

// Runs scenario under a LeakCheck and returns what check() threw (nothing: no leak).
template <class F>
std::optional<LeakError> leak_of(F&& scenario, LeakCheckOptions options = quick()) {
  LeakCheck check(std::move(options));
  scenario();
  try {
    check.check();
  } catch (const LeakError& e) {
    return e;
  }
  return std::nullopt;
}

// ---- seed 004 / 003 4.4.1: a generator abandoned after `break` ----------------------------

unsigned g_generator_line = 0;

// The leaking generator: sends 0, 1, 2, ... forever; the consumer stops at 5 and walks away, so
// the generator blocks in send for good. (Closing ch afterwards releases it, for the test.)
gopool::Chan<int> leaky_generator() {
  gopool::Chan<int> ch;
  g_generator_line = __LINE__ + 1;
  gopool::go([ch] {
    try {
      for (int i = 0;; ++i)
        ch.send(i);
    } catch (const gopool::ChanClosed&) {
    }
  });
  return ch;
}

// The fix (seed 004): the generator also selects on a Context and returns once it is
// cancelled.
gopool::Chan<int> generator(gopool::Context ctx) {
  gopool::Chan<int> ch;
  gopool::go([ch, ctx] {
    for (int i = 0;; ++i) {
      bool stop = false;
      gopool::select(gopool::on_send(ch, i), gopool::on_recv(ctx.done(), [&] { stop = true; }));
      if (stop) return;
    }
  });
  return ch;
}

// ---- seed 003 4.4.2: a send nobody receives ---------------------------------------------

void send_nobody_receives(gopool::Chan<Unit> ch) {
  gopool::go([ch] {
    try {
      ch.send(Unit{});
    } catch (const gopool::ChanClosed&) {
    }
  });
}

// ---- a receive nobody sends to: `for v := range in` over a channel never closed ----------

void range_over(gopool::Chan<int> in, std::atomic<int>& sum) {
  gopool::go([in, &sum] {
    for (int v : in)
      sum += v;
  });
}

// ---- seed 003 4.2: a ticker nobody stops --------------------------------------------------

// The leak: a goroutine waits for its ticker's ticks with nothing that could tell it to stop,
// so neither it nor its ticker ever ends. (`release` frees it, for the test.)
std::atomic<bool> g_release_ticking{false};
void tick_forever(std::atomic<int>& ticks) {
  gopool::go([&ticks] {
    gopool::Ticker t(std::chrono::milliseconds(1));
    while (!g_release_ticking) {
      (void)t.chan().recv();
      ++ticks;
    }
  });
}

// The fix: the loop also selects on a Context; returning destroys (stops) the ticker, as Go's
// `defer t.Stop()`.
void tick_until(gopool::Context ctx, std::atomic<int>& ticks) {
  gopool::go([ctx, &ticks] {
    gopool::Ticker t(std::chrono::milliseconds(1));
    for (;;) {
      bool stop = false;
      gopool::select(gopool::on_recv(t.chan(), [&] { ++ticks; }),
                     gopool::on_recv(ctx.done(), [&] { stop = true; }));
      if (stop) return;
    }
  });
}

bool any_waits_for(const std::vector<gopool::debug::GoroutineRecord>& gs, WaitReason reason) {
  for (const auto& g : gs) {
    if (g.state == GoroutineState::waiting && g.wait_reason == reason) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a generator abandoned after break leaks; with a Context it does not") {
  gopool::Chan<int> abandoned;
  auto leak = leak_of([&] {
    abandoned = leaky_generator();
    for (int v : abandoned) {
      if (v == 5) break;
    }
  });
  REQUIRE(leak);
  REQUIRE(leak->leaked().size() == 1);
  const auto& g = leak->leaked()[0];
  CHECK(g.state == GoroutineState::waiting);
  CHECK(g.wait_reason == WaitReason::chan_send);
  CHECK(g.created_at.line() == g_generator_line);
  const std::string report = leak->what();
  CHECK(report.find("1 goroutine created in the checked scope still alive") != std::string::npos);
  CHECK(report.find("[chan send, ") != std::string::npos);
  CHECK(report.find("leak_check_test.cpp:" + std::to_string(g_generator_line) + ":") !=
        std::string::npos);
  abandoned.close();  // release it

  auto fixed = leak_of(
      [] {
        gopool::Context ctx = gopool::with_cancel(gopool::background());
        for (int v : generator(ctx)) {
          if (v == 5) break;
        }
        ctx.cancel();
      },
      LeakCheckOptions{});
  CHECK_FALSE(fixed);
}

TEST_CASE("a send nobody receives leaks; a buffered channel or a receiver fixes it") {
  gopool::Chan<Unit> unbuffered;
  auto leak = leak_of([&] { send_nobody_receives(unbuffered); });
  REQUIRE(leak);
  REQUIRE(leak->leaked().size() == 1);
  CHECK(leak->leaked()[0].wait_reason == WaitReason::chan_send);
  (void)unbuffered.recv();  // release it

  CHECK_FALSE(leak_of([] { send_nobody_receives(gopool::Chan<Unit>(1)); }, LeakCheckOptions{}));
  CHECK_FALSE(leak_of(
      [] {
        gopool::Chan<Unit> ch;
        send_nobody_receives(ch);
        (void)ch.recv();
      },
      LeakCheckOptions{}));
}

TEST_CASE("a receive nobody sends to leaks; closing the channel ends it") {
  std::atomic<int> sum{0};
  gopool::Chan<int> never_closed;
  auto leak = leak_of([&] {
    range_over(never_closed, sum);
    never_closed.send(1);
    never_closed.send(2);
  });
  REQUIRE(leak);
  REQUIRE(leak->leaked().size() == 1);
  CHECK(leak->leaked()[0].wait_reason == WaitReason::chan_recv);
  never_closed.close();  // release it

  std::atomic<int> sum2{0};
  CHECK_FALSE(leak_of(
      [&] {
        gopool::Chan<int> in;
        range_over(in, sum2);
        in.send(1);
        in.send(2);
        in.close();
      },
      LeakCheckOptions{}));
  CHECK(sum2 == 3);
}

TEST_CASE("a ticker nobody stops leaks; a Context and stopping it end it") {
  std::atomic<int> ticks{0};
  auto leak = leak_of([&] {
    tick_forever(ticks);
    REQUIRE(gopool::test::wait_until([&] { return ticks >= 2; }));
  });
  REQUIRE(leak);
  CHECK(leak->leaked().size() == 1);
  g_release_ticking = true;  // it ends at its next tick (ticks must outlive it)
  const std::uint64_t id = leak->leaked()[0].id;
  REQUIRE(gopool::test::wait_until([&] {
    for (const auto& g : gopool::debug::goroutines()) {
      if (g.id == id) return false;
    }
    return true;
  }));

  std::atomic<int> ticks2{0};
  CHECK_FALSE(leak_of(
      [&] {
        gopool::Context ctx = gopool::with_cancel(gopool::background());
        tick_until(ctx, ticks2);
        REQUIRE(gopool::test::wait_until([&] { return ticks2 >= 2; }));
        ctx.cancel();
      },
      LeakCheckOptions{}));
}

TEST_CASE("a goroutine in an endless loop leaks (seed 004); a stop flag fixes it") {
  static std::atomic<bool> stop{false};  // read by the leaked goroutine until it stops
  auto leak = leak_of([&] {
    gopool::go([] {
      while (!stop)
        gopool::yield();
    });
  });
  REQUIRE(leak);
  REQUIRE(leak->leaked().size() == 1);
  CHECK(leak->leaked()[0].state != GoroutineState::waiting);
  stop = true;
}

TEST_CASE("goroutines alive before the check are not leaks") {
  gopool::Chan<int> block;
  gopool::WaitGroup done;
  done.add(1);
  gopool::go([&] {
    (void)block.recv();
    done.done();
  });
  REQUIRE(gopool::test::wait_until([] { return gopool::num_goroutines() >= 1; }));
  CHECK_FALSE(leak_of([] {}));
  block.close();
  done.wait();
}

TEST_CASE("the check waits for goroutines on their way out") {
  CHECK_FALSE(leak_of([] { gopool::go([] { gopool::sleep_for(std::chrono::milliseconds(20)); }); },
                      LeakCheckOptions{.grace = std::chrono::seconds(30)}));
}

TEST_CASE("idle pool workers are ignored by default, and caught when asked") {
  gopool::Pool pool(4);
  auto run_tasks = [&] {
    for (int i = 0; i < 8; ++i)
      REQUIRE_FALSE(pool.post([] {}));
    pool.wait();
  };
  CHECK_FALSE(leak_of(run_tasks));

  gopool::Pool fresh(4);
  LeakCheckOptions strict = quick();
  strict.ignore_wait_reasons.clear();
  auto leak = leak_of(
      [&] {
        REQUIRE_FALSE(fresh.post([] {}));
        fresh.wait();
        // Wait until the worker has parked (it may spin briefly first).
        REQUIRE(gopool::test::wait_until([] {
          for (const auto& g : gopool::debug::goroutines()) {
            if (g.wait_reason == WaitReason::pool_idle) return true;
          }
          return false;
        }));
      },
      strict);
  REQUIRE(leak);
  CHECK(any_waits_for(leak->leaked(), WaitReason::pool_idle));
  CHECK(std::string(leak->what()).find("idle in a pool") != std::string::npos);
}

TEST_CASE("goroutines can be ignored by label and by creation site") {
  gopool::Chan<int> block;
  gopool::WaitGroup done;
  LeakCheckOptions by_label = quick();
  by_label.ignore_labels = {"background"};
  CHECK_FALSE(leak_of(
      [&] {
        done.add(1);
        gopool::go([&] {
          gopool::detail::set_goroutine_label("background");
          (void)block.recv();
          done.done();
        });
        REQUIRE(gopool::test::wait_until([&] {
          for (const auto& g : gopool::debug::goroutines()) {
            if (g.label == "background" && g.wait_reason == WaitReason::chan_recv) return true;
          }
          return false;
        }));
      },
      by_label));

  LeakCheckOptions by_site = quick();
  by_site.ignore_created_in = {"leak_check_test.cpp"};
  CHECK_FALSE(leak_of(
      [&] {
        done.add(1);
        gopool::go([&] {
          (void)block.recv();
          done.done();
        });
      },
      by_site));

  block.close();
  done.wait();
}

TEST_CASE("the destructor throws LeakError, but not while another exception unwinds") {
  gopool::Chan<Unit> ch;
  CHECK_THROWS_AS(
      [&] {
        LeakCheck check(quick());
        send_nobody_receives(ch);
      }(),
      LeakError);
  (void)ch.recv();

  gopool::Chan<Unit> ch2;
  CHECK_THROWS_AS(
      [&] {
        LeakCheck check(quick());
        send_nobody_receives(ch2);
        throw std::runtime_error("the test failed first");
      }(),
      std::runtime_error);
  (void)ch2.recv();

  // After an explicit check the destructor stays quiet.
  gopool::Chan<Unit> ch3;
  {
    LeakCheck check(quick());
    send_nobody_receives(ch3);
    CHECK(check.survivors().size() == 1);
  }
  (void)ch3.recv();
}

TEST_CASE("LeakCheck works inside a goroutine") {
  std::optional<std::string> report;
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::Chan<Unit> ch;
  gopool::go([&] {
    try {
      LeakCheck check(quick());
      send_nobody_receives(ch);
      check.check();
    } catch (const LeakError& e) {
      report = e.what();
    }
    wg.done();
  });
  wg.wait();
  REQUIRE(report);
  CHECK(report->find("[chan send, ") != std::string::npos);
  (void)ch.recv();
}

TEST_CASE("a negative grace period is rejected") {
  LeakCheckOptions bad;
  bad.grace = std::chrono::milliseconds(-1);
  CHECK_THROWS_AS(LeakCheck{bad}, std::invalid_argument);
}
