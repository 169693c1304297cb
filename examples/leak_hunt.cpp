// leak_hunt: the goroutine leaks of the seeds (a generator abandoned after `break`, a send
// nobody receives, a receive nobody sends to, a ticker nobody stops, a loop that never ends),
// each shown leaking - with the dump of the leaked goroutines, their wait reason and where they
// were created - and then fixed. Go has runtime.NumGoroutine() and pprof for this; here
// LeakCheck finds the leak and says where it comes from.
//
// Exits 0 when every leak was caught and every fix leaks nothing.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <gopool/chan.hpp>
#include <gopool/context.hpp>
#include <gopool/debug.hpp>
#include <gopool/leak_check.hpp>
#include <gopool/runtime.hpp>
#include <gopool/select.hpp>
#include <gopool/ticker.hpp>
#include <gopool/wait_group.hpp>

#include "command_line.hpp"

namespace {

struct Unit {};

// ---- 1. seed 004: a generator abandoned after break -----------------------------------------
// The consumer stops at 5; the generator blocks forever in `ch <- i`.

gopool::Chan<int> count_forever() {
  gopool::Chan<int> ch;
  gopool::go([ch] {
    try {
      for (int i = 0;; ++i)
        ch.send(i);
    } catch (const gopool::ChanClosed&) {  // only so that this demo can free it afterwards
    }
  });
  return ch;
}

// The fix (seed 004): the generator also listens on a Context and returns once it is
// cancelled.
gopool::Chan<int> count_until(gopool::Context ctx) {
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

// ---- 2. seed 003: a send nobody receives -----------------------------------------------------
// `go func() { ch <- struct{}{} }()` and nobody ever reads ch.

void notify(gopool::Chan<Unit> ch) {
  gopool::go([ch] {
    try {
      ch.send(Unit{});
    } catch (const gopool::ChanClosed&) {
    }
  });
}

// ---- 3. a receive nobody sends to: `for v := range in` over a channel nobody closes -----------

void sum_all(gopool::Chan<int> in, std::atomic<int>& sum) {
  gopool::go([in, &sum] {
    for (int v : in)
      sum += v;
  });
}

// ---- 4. seed 003: a ticker nobody stops -----------------------------------------------------
// A goroutine waits for its ticker's ticks with nothing that could tell it to stop: neither
// the goroutine nor its ticker ever ends.

void tick_forever(const std::atomic<bool>& released, std::atomic<int>& ticks) {
  gopool::go([&released, &ticks] {
    gopool::Ticker t(std::chrono::milliseconds(1));
    while (!released) {  // `released` exists only so that this demo can free it afterwards
      (void)t.chan().recv();
      ++ticks;
    }
  });
}

// The fix: the loop also listens on a Context; returning destroys the ticker, which stops it
// (Go's `defer ticker.Stop()`).
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

// ---- 5. seed 004: a goroutine in an endless loop --------------------------------------------

void spin(const std::atomic<bool>& stop) {
  gopool::go([&stop] {
    while (!stop)
      gopool::yield();
  });
}

// The fix (seed 004's "close + sync"): a stop signal, and a WaitGroup to wait until the loop
// has seen it and returned.
void spin(const std::atomic<bool>& stop, gopool::WaitGroup& exited) {
  exited.add(1);
  gopool::go([&stop, &exited] {
    while (!stop)
      gopool::yield();
    exited.done();
  });
}

// ---- the hunt ----------------------------------------------------------------------------------

struct Scenario {
  const char* name;
  std::function<void()> leaky;    // leaves goroutines behind
  std::function<void()> release;  // frees them again (only so the demo ends clean)
  std::function<void()> fixed;    // the same work without the leak
};

// hunt: runs fn under a LeakCheck; prints and returns the goroutines it left behind.
std::size_t hunt(const std::function<void()>& fn, std::chrono::milliseconds grace) {
  gopool::testing::LeakCheckOptions options;
  options.grace = grace;
  gopool::testing::LeakCheck check(options);
  fn();
  const std::vector<gopool::debug::GoroutineRecord> leaked = check.survivors();
  if (!leaked.empty()) gopool::debug::dump(std::cout, leaked);
  return leaked.size();
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine cli("leak_hunt",
                  "leak_hunt: the seeds' goroutine leaks, each caught by LeakCheck (with the dump "
                  "of what\nleaked) and then fixed. Exits 0 when every leak was caught and every "
                  "fix is clean.");
  if (const std::optional<int> exit_code = cli.parse(argc, argv)) return *exit_code;

  gopool::Chan<int> abandoned;
  gopool::Chan<Unit> unread;
  gopool::Chan<int> never_closed;
  static std::atomic<int> sum{0};
  static std::atomic<int> ticks{0};  // read by goroutines until they end
  static std::atomic<bool> release_ticker{false};
  static std::atomic<bool> stop_spinning{false};  // read by a leaked goroutine until it stops

  const std::vector<Scenario> scenarios = {
      {"a generator abandoned after break (seed 004)",
       [&] {
         abandoned = count_forever();
         for (int v : abandoned) {
           if (v == 5) break;
         }
       },
       [&] { abandoned.close(); },
       [] {
         gopool::Context ctx = gopool::with_cancel(gopool::background());
         for (int v : count_until(ctx)) {
           if (v == 5) break;
         }
         ctx.cancel();
       }},
      {"a send nobody receives (seed 003)", [&] { notify(unread); }, [&] { (void)unread.recv(); },
       [] { notify(gopool::Chan<Unit>(1)); }},  // a buffered channel: the send never blocks
      {"a receive nobody sends to (a range over a channel never closed)",
       [&] {
         sum_all(never_closed, sum);
         never_closed.send(1);
       },
       [&] { never_closed.close(); },
       [&] {
         gopool::Chan<int> in;
         sum_all(in, sum);
         in.send(1);
         in.close();  // the range ends
       }},
      {"a ticker nobody stops (seed 003)", [&] { tick_forever(release_ticker, ticks); },
       [&] { release_ticker = true; },
       [&] {
         gopool::Context ctx = gopool::with_cancel(gopool::background());
         tick_until(ctx, ticks);
         gopool::sleep_for(std::chrono::milliseconds(5));
         ctx.cancel();
       }},
      {"a goroutine in an endless loop (seed 004)", [&] { spin(stop_spinning); },
       [&] { stop_spinning = true; },
       [] {
         std::atomic<bool> stop{false};
         gopool::WaitGroup exited;
         spin(stop, exited);
         gopool::sleep_for(std::chrono::milliseconds(1));
         stop = true;
         exited.wait();  // `stop` must outlive the loop that reads it
       }},
  };

  int failures = 0;
  for (const Scenario& s : scenarios) {
    std::cout << "=== " << s.name << "\n--- leaking:\n";
    const std::size_t leaked = hunt(s.leaky, std::chrono::milliseconds(100));
    if (leaked == 0) {
      std::cout << "NOT CAUGHT\n";
      ++failures;
    }
    s.release();
    std::cout << "--- fixed: ";
    const std::size_t left = hunt(s.fixed, std::chrono::seconds(5));
    std::cout << (left == 0 ? "no goroutine left behind\n\n" : "STILL LEAKING\n\n");
    failures += left == 0 ? 0 : 1;
  }

  // Seed 003's question - how many switches were green, how many the kernel's - in one call.
  const gopool::debug::Stats stats = gopool::debug::stats();
  std::cout << "=== statistics\n";
  gopool::debug::write_stats(std::cout, stats);
  std::cout << (failures == 0 ? "all leaks caught, all fixes clean\n" : "FAILED\n");
  return failures == 0 ? 0 : 1;
}
