// Context: cancel, deadlines, the tree, err codes, done() in select, goroutines and threads.
#include "gopool/context.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <system_error>
#include <thread>
#include <vector>

#include "gopool/runtime.hpp"
#include "gopool/select.hpp"
#include "gopool/wait_group.hpp"

using namespace std::chrono_literals;

TEST_CASE("background is never done") {
  gopool::Context bg = gopool::background();
  CHECK_FALSE(bg.err());
  CHECK_FALSE(bg.deadline().has_value());
  CHECK_FALSE(static_cast<bool>(bg.done()));  // nil channel
  bg.cancel();                                // does nothing
  CHECK_FALSE(bg.err());
  CHECK(gopool::select(gopool::on_recv(bg.done()), gopool::on_default()) == 1);
  CHECK(bg == gopool::Context());
}

TEST_CASE("cancel closes done, sets err, is idempotent") {
  auto ctx = gopool::with_cancel(gopool::background());
  CHECK_FALSE(ctx.err());
  CHECK_FALSE(ctx.done().try_recv().has_value());
  ctx.cancel();
  CHECK(ctx.err() == gopool::context_errc::canceled);
  CHECK(ctx.err() == std::errc::operation_canceled);
  CHECK(ctx.err().message() == "context canceled");
  CHECK(ctx.done().closed());
  CHECK_FALSE(ctx.done().recv().has_value());  // closed: returns at once
  ctx.cancel();
  CHECK(ctx.err() == gopool::context_errc::canceled);
}

TEST_CASE("deadline and timeout") {
  auto ctx = gopool::with_timeout(gopool::background(), 3ms);
  REQUIRE(ctx.deadline().has_value());
  CHECK_FALSE(ctx.done().recv().has_value());  // blocks until the deadline closes it
  CHECK(ctx.err() == gopool::context_errc::deadline_exceeded);
  CHECK(ctx.err() == std::errc::timed_out);
  CHECK(ctx.err().message() == "context deadline exceeded");
  ctx.cancel();  // after the deadline: err stays
  CHECK(ctx.err() == gopool::context_errc::deadline_exceeded);

  auto past = gopool::with_deadline(gopool::background(), gopool::Clock::now() - 1s);
  CHECK(past.err() == gopool::context_errc::deadline_exceeded);
  auto zero = gopool::with_timeout(gopool::background(), 0s);
  CHECK(zero.err() == gopool::context_errc::deadline_exceeded);

  auto early = gopool::with_cancel(gopool::background());
  auto t = gopool::with_timeout(early, 1h);
  t.cancel();
  CHECK(t.err() == gopool::context_errc::canceled);
  CHECK_FALSE(early.err());  // a child never cancels its parent
}

TEST_CASE("cancelling a parent cancels the whole subtree, not the other way round") {
  auto root = gopool::with_cancel(gopool::background());
  auto a = gopool::with_cancel(root);
  auto b = gopool::with_timeout(root, 1h);
  auto a1 = gopool::with_cancel(a);
  auto a2 = gopool::with_deadline(a, gopool::Clock::now() + 1h);
  a1.cancel();
  CHECK(a1.err());
  CHECK_FALSE(a.err());
  CHECK_FALSE(root.err());
  root.cancel();
  for (const auto& c : {a, b, a2}) {
    CHECK(c.err() == gopool::context_errc::canceled);
    CHECK(c.done().closed());
  }
  auto late = gopool::with_cancel(root);  // child of a done parent: done at once
  CHECK(late.err() == gopool::context_errc::canceled);
}

TEST_CASE("a parent's deadline reaches its children, and an earlier one is kept") {
  auto parent = gopool::with_timeout(gopool::background(), 3ms);
  auto child = gopool::with_cancel(parent);
  auto later = gopool::with_timeout(parent, 1h);
  CHECK(later.deadline() == parent.deadline());
  CHECK(child.deadline() == parent.deadline());
  CHECK_FALSE(parent.done().recv().has_value());
  // Once a context's done channel is closed, its whole subtree is done.
  CHECK(child.err() == gopool::context_errc::deadline_exceeded);
  CHECK(later.err() == gopool::context_errc::deadline_exceeded);
}

TEST_CASE("done() works as a select case in goroutines and threads") {
  auto ctx = gopool::with_cancel(gopool::background());
  gopool::Chan<int> work;
  std::atomic<int> stopped{0};
  gopool::WaitGroup wg;
  auto worker = [&, ctx, work] {
    bool running = true;
    while (running) {
      gopool::select(gopool::on_recv(work, [](int) {}),
                     gopool::on_recv(ctx.done(), [&] { running = false; }));
    }
    stopped.fetch_add(1);
    wg.done();
  };
  wg.add(4);
  gopool::go(worker);
  gopool::go(worker);
  std::thread t1(worker);
  std::thread t2(worker);
  for (int i = 0; i < 100; ++i) {
    work.send(i);
  }
  ctx.cancel();
  wg.wait();
  t1.join();
  t2.join();
  CHECK(stopped == 4);
}

TEST_CASE("dropped children do not pile up in the parent; no goroutines are used") {
  const auto before = gopool::num_goroutines();
  auto root = gopool::with_cancel(gopool::background());
  for (int i = 0; i < 10000; ++i) {
    auto c = gopool::with_timeout(root, 1h);  // never cancelled, just dropped
    (void)c;
  }
  CHECK(gopool::num_goroutines() <= before);  // (one from an earlier case may just be ending)
  root.cancel();
}

TEST_CASE("concurrent cancel, deadline and drop of a deep tree") {
  for (int round = 0; round < 50; ++round) {
    auto root = gopool::with_timeout(gopool::background(), std::chrono::microseconds(50 + round));
    std::vector<gopool::Context> nodes{root};
    for (int i = 1; i < 64; ++i) {
      const auto& parent = nodes[static_cast<std::size_t>((i - 1) / 2)];
      nodes.push_back(i % 3 == 0 ? gopool::with_timeout(parent, std::chrono::microseconds(i))
                                 : gopool::with_cancel(parent));
    }
    gopool::WaitGroup wg;
    wg.add(1);
    gopool::go([&, leaf = nodes.back()] {
      leaf.cancel();
      wg.done();
    });
    std::thread t([n = nodes[5]] { n.cancel(); });
    CHECK_FALSE(root.done().recv().has_value());
    wg.wait();
    t.join();
    for (const auto& n : nodes) {
      CHECK(n.err());
    }
  }
}

TEST_CASE("a huge timeout saturates instead of overflowing") {
  auto ctx = gopool::with_timeout(gopool::background(), std::chrono::hours::max());
  CHECK_FALSE(ctx.err());
  REQUIRE(ctx.deadline().has_value());
  CHECK(*ctx.deadline() > gopool::Clock::now() + std::chrono::hours(24 * 365));
  ctx.cancel();
  CHECK(ctx.err() == gopool::context_errc::canceled);
}

TEST_CASE("handles dropped while the deadline fires") {
  // The deadline callback may collect the last references to the subtree (and, through the
  // children's parent pointers, to the expiring node itself) just as the user drops every
  // handle: nothing may be freed under the running timer.
  for (int round = 0; round < 3000; ++round) {
    auto x = gopool::with_timeout(gopool::background(), std::chrono::microseconds(round % 20));
    auto c = gopool::with_cancel(x);
    auto g = gopool::with_cancel(c);
    if (round % 3 == 0) {
      gopool::yield();
    }
  }
  CHECK(true);
}

TEST_CASE("a goroutine's cancel wakes many sleepers parked on one context (chaos: no livelock)") {
  // The canceller wakes the sleepers under the context's lock, and each woken sleeper takes
  // that lock to detach. A chaos build once made the canceller's goroutine yield inside a
  // wake: every M then spun on the lock with the holder queued behind them.
  for (int round = 0; round < 20; ++round) {
    const gopool::Context ctx = gopool::with_cancel(gopool::background());
    std::atomic<int> parked{0};
    std::atomic<int> canceled{0};
    gopool::WaitGroup woke;
    for (int i = 0; i < 6; ++i) {
      woke.add(1);
      gopool::go([&] {
        ++parked;
        if (gopool::sleep_for(ctx, std::chrono::hours(1)) == gopool::context_errc::canceled) {
          ++canceled;
        }
        woke.done();
      });
    }
    while (parked.load() < 6)
      std::this_thread::yield();
    gopool::go([ctx] { ctx.cancel(); });
    woke.wait();
    CHECK(canceled.load() == 6);
  }
}
