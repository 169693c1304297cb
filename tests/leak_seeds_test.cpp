// The goroutine-leak scenarios of seeds 003 and 004, each first shown leaking (through
// num_goroutines()), then fixed the way the seed says and shown returning to the baseline.
// A leaked goroutine is left parked forever on a channel nobody will touch: harmless for the
// rest of the process, and process exit stays clean.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "gopool/chan.hpp"
#include "gopool/context.hpp"
#include "gopool/runtime.hpp"
#include "gopool/select.hpp"
#include "gopool/ticker.hpp"
#include "gopool/wait_group.hpp"

using namespace std::chrono_literals;

namespace {

// Waits until num_goroutines() == n (goroutines finish asynchronously), giving up after a
// generous bound so that a real leak fails the CHECK instead of hanging the suite.
std::int64_t settle_to(std::int64_t n) {
  const auto give_up = gopool::Clock::now() + 30s;
  while (gopool::num_goroutines() != n && gopool::Clock::now() < give_up) {
    gopool::sleep_for(100us);
  }
  return gopool::num_goroutines();
}

// Waits until ch has n goroutines or threads parked sending (senders) or receiving on it.
template <class T>
bool parked_on(const gopool::Chan<T>& ch, std::size_t n, bool senders) {
  auto* state = gopool::detail::ChanAccess::state(ch);
  const auto give_up = gopool::Clock::now() + 30s;
  while (state->waiting(senders) != n && gopool::Clock::now() < give_up) {
    gopool::sleep_for(100us);
  }
  return state->waiting(senders) == n;
}

// Seed 003 4.4.1: gen(nums...) returns an unbuffered channel fed by a goroutine.
gopool::Chan<int> gen(std::vector<int> nums) {
  gopool::Chan<int> out;
  gopool::go([out, nums] {
    for (int n : nums) {
      out.send(n);
    }
    out.close();
  });
  return out;
}

// The fix: the generator also selects on a done channel, and closes out when it leaves.
gopool::Chan<int> gen_with_done(gopool::Chan<std::monostate> done, std::vector<int> nums) {
  gopool::Chan<int> out;
  gopool::go([out, done, nums] {
    for (int n : nums) {
      bool stop = false;
      gopool::select(gopool::on_send(out, n), gopool::on_recv(done, [&] { stop = true; }));
      if (stop) {
        break;
      }
    }
    out.close();  // Go's `defer close(out)`
  });
  return out;
}

}  // namespace

TEST_CASE("seed 003 4.4.1: a consumer that breaks early strands its generator") {
  const auto base = gopool::num_goroutines();
  gopool::Chan<int> out = gen({2, 3});
  for (int n : out) {
    CHECK(n == 2);
    break;  // "模拟异常退出": the consumer leaves after the first value
  }
  // Leak: the generator is parked forever sending 3.
  CHECK(parked_on(out, 1, true));
  CHECK(gopool::num_goroutines() == base + 1);
}

TEST_CASE("seed 003 4.4.1 fixed: closing done releases the generator") {
  const auto base = gopool::num_goroutines();
  {
    gopool::Chan<std::monostate> done;
    gopool::Chan<int> out = gen_with_done(done, {2, 3});
    for (int n : out) {
      CHECK(n == 2);
      break;
    }
    CHECK(gopool::num_goroutines() == base + 1);  // still blocked, for now
    done.close();                                 // Go's `defer close(done)`
  }
  CHECK(settle_to(base) == base);
}

TEST_CASE("seed 003 4.4.2: a send nobody receives, and its fixes") {
  const auto base = gopool::num_goroutines();
  {
    gopool::Chan<std::monostate> ch;
    gopool::go([ch] { ch.send({}); });
    CHECK(parked_on(ch, 1, true));  // leak: blocked forever on the send
    CHECK(gopool::num_goroutines() == base + 1);
  }
  const auto leaked = base + 1;
  SUBCASE("fix: a buffer of one lets the sender finish") {
    gopool::Chan<std::monostate> ch(1);
    gopool::go([ch] { ch.send({}); });
    CHECK(settle_to(leaked) == leaked);
  }
  SUBCASE("fix: someone receives") {
    gopool::Chan<std::monostate> ch;
    gopool::go([ch] { ch.send({}); });
    CHECK(ch.recv().has_value());
    CHECK(settle_to(leaked) == leaked);
  }
}

TEST_CASE("a receive nobody sends to, and the fix: close the channel") {
  const auto base = gopool::num_goroutines();
  {
    gopool::Chan<int> ch;
    gopool::go([ch] { (void)ch.recv(); });
    CHECK(parked_on(ch, 1, false));  // leak: blocked forever on the receive
    CHECK(gopool::num_goroutines() == base + 1);
  }
  const auto leaked = base + 1;
  gopool::Chan<int> ch;
  gopool::go([ch] {
    for (int v : ch) {  // range ends once ch is closed
      (void)v;
    }
  });
  CHECK(parked_on(ch, 1, false));
  ch.close();
  CHECK(settle_to(leaked) == leaked);
}

TEST_CASE("seed 003 4.2: a ticker loop nobody stops; fixed with done, the ticker dies with it") {
  const auto base = gopool::num_goroutines();
  gopool::Ticker forever(1ms);  // in Go this ticker would never be collected
  std::atomic<int> ticks{0};
  gopool::go([c = forever.chan(), &ticks] {
    for (auto t : c) {  // never ends: a ticker's channel is never closed
      (void)t;
      ticks.fetch_add(1);
    }
  });
  while (ticks.load() < 3) {
    gopool::sleep_for(1ms);
  }
  CHECK(gopool::num_goroutines() == base + 1);  // leak: the loop lives as long as the ticker
  const auto leaked = base + 1;

  // The fix: the goroutine owns its Ticker and also watches done; leaving the loop destroys
  // the Ticker, which stops it.
  gopool::Chan<std::monostate> done;
  gopool::Chan<gopool::Clock::time_point> seen_chan(nullptr);
  gopool::Chan<gopool::Chan<gopool::Clock::time_point>> handover(1);
  std::atomic<int> fixed_ticks{0};
  gopool::go([done, handover, &fixed_ticks] {
    gopool::Ticker ticker(1ms);
    handover.send(ticker.chan());
    for (bool running = true; running;) {
      gopool::select(gopool::on_recv(ticker.chan(), [&] { fixed_ticks.fetch_add(1); }),
                     gopool::on_recv(done, [&] { running = false; }));
    }
  });
  seen_chan = handover.recv().value();
  while (fixed_ticks.load() < 3) {
    gopool::sleep_for(1ms);
  }
  done.close();
  CHECK(settle_to(leaked) == leaked);
  (void)seen_chan.try_recv();                         // a tick buffered before the stop
  CHECK_FALSE(seen_chan.recv_for(20ms).has_value());  // the ticker really stopped
  forever.stop();  // the first loop's goroutine stays parked on a silent channel
}

TEST_CASE("seed 004: an endless generator abandoned after break; fixed with a Context") {
  const auto base = gopool::num_goroutines();
  {
    gopool::Chan<int> ch;
    gopool::go([ch] {
      for (int i = 0;; ++i) {
        ch.send(i);
      }
    });
    for (int v : ch) {
      if (v == 5) {
        break;  // "退出后，Goroutine无法回收"
      }
    }
    CHECK(parked_on(ch, 1, true));
    CHECK(gopool::num_goroutines() == base + 1);
  }
  const auto leaked = base + 1;

  gopool::Context ctx = gopool::with_cancel(gopool::background());
  gopool::Chan<int> ch;
  gopool::go([ctx, ch] {
    for (int i = 0;; ++i) {
      bool stop = false;
      gopool::select(gopool::on_recv(ctx.done(), [&] { stop = true; }), gopool::on_send(ch, i));
      if (stop) {
        return;
      }
    }
  });
  int last = -1;
  for (int v : ch) {
    last = v;
    if (v == 5) {
      ctx.cancel();
      break;
    }
  }
  CHECK(last == 5);
  CHECK(settle_to(leaked) == leaked);
  CHECK(ctx.err() == gopool::context_errc::canceled);
}

TEST_CASE("seed 004: safe shutdown with close + WaitGroup") {
  const auto base = gopool::num_goroutines();
  gopool::Chan<bool> cancel;
  gopool::WaitGroup wg;
  std::atomic<long> hellos{0};
  for (int i = 0; i < 10; ++i) {
    wg.add(1);
    gopool::go([&wg, cancel, &hellos] {
      for (bool running = true; running;) {
        gopool::select(gopool::on_default([&] {
                         hellos.fetch_add(1);  // fmt.Println("hello")
                         gopool::sleep_for(50us);
                       }),
                       gopool::on_recv(cancel, [&] { running = false; }));
      }
      wg.done();
    });
  }
  while (hellos.load() < 100) {
    gopool::sleep_for(1ms);
  }
  cancel.close();  // a broadcast: every worker's receive case fires
  wg.wait();
  CHECK(settle_to(base) == base);
}

TEST_CASE("seed 004: safe shutdown with a Context (with_timeout, cancelled early)") {
  const auto base = gopool::num_goroutines();
  gopool::Context ctx = gopool::with_timeout(gopool::background(), 10s);
  gopool::WaitGroup wg;
  std::atomic<int> canceled{0};
  for (int i = 0; i < 10; ++i) {
    wg.add(1);
    gopool::go([&wg, ctx, &canceled] {
      for (;;) {
        bool stop = false;
        gopool::select(gopool::on_default([] { gopool::sleep_for(50us); }),
                       gopool::on_recv(ctx.done(), [&] { stop = true; }));
        if (stop) {
          if (ctx.err() == gopool::context_errc::canceled) {
            canceled.fetch_add(1);  // return ctx.Err()
          }
          break;
        }
      }
      wg.done();
    });
  }
  gopool::sleep_for(1ms);
  ctx.cancel();
  wg.wait();
  CHECK(canceled == 10);
  CHECK(settle_to(base) == base);
}

TEST_CASE("seed 004: graceful exits, range over a channel and the `, ok` form with a ticker") {
  const auto base = gopool::num_goroutines();
  gopool::Chan<int> in(8);
  std::atomic<int> processed{0};
  gopool::go([in, &processed] {
    for (int x : in) {  // for-range detects the close
      (void)x;
      processed.fetch_add(1);
    }
  });
  std::atomic<int> processed_ok{0};
  gopool::Chan<int> in2(8);
  gopool::go([in2, &processed_ok] {
    gopool::Ticker t(1ms);
    for (bool running = true; running;) {
      gopool::select(gopool::on_recv(in2,
                                     [&](std::optional<int> x) {
                                       if (!x) {
                                         running = false;  // x, ok := <-in; !ok
                                         return;
                                       }
                                       processed_ok.fetch_add(1);
                                     }),
                     gopool::on_recv(t.chan(), [] { /* "Working, processedCnt = ..." */ }));
    }
  });
  for (int i = 0; i < 100; ++i) {
    in.send(i);
    in2.send(i);
  }
  in.close();
  in2.close();
  CHECK(settle_to(base) == base);
  CHECK(processed == 100);
  CHECK(processed_ok == 100);
}

TEST_CASE("seed 004: synchronise through a channel, not a plain flag") {
  std::string msg;
  gopool::Chan<bool> done;
  gopool::go([&msg, done] {
    msg = "hello, world";
    done.send(true);
  });
  (void)done.recv();  // the receive happens after the send: msg is visible
  CHECK(msg == "hello, world");
}
