// select: ready cases, default, timeout, nil and closed channels, fairness, races.
#include "gopool/select.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gopool/chan.hpp"
#include "gopool/runtime.hpp"
#include "gopool/wait_group.hpp"

using namespace std::chrono_literals;

namespace {

template <class T>
void await_waiters(const gopool::Chan<T>& ch, std::size_t n, bool senders) {
  auto* state = gopool::detail::ChanAccess::state(ch);
  while (state->waiting(senders) != n) {
    gopool::yield();
    std::this_thread::yield();
  }
}

}  // namespace

TEST_CASE("a ready receive case is taken and its callback gets the value") {
  gopool::Chan<int> a(1);
  gopool::Chan<std::string> b(1);
  b.send("hi");
  std::string got;
  const std::size_t i = gopool::select(gopool::on_recv(a, [](int) { FAIL("a is empty"); }),
                                       gopool::on_recv(b, [&](std::string s) { got = s; }));
  CHECK(i == 1);
  CHECK(got == "hi");
}

TEST_CASE("default is taken when nothing is ready") {
  gopool::Chan<int> a;
  gopool::Chan<int> b(1);
  b.send(1);  // full: a send case on b is not ready
  bool took_default = false;
  const std::size_t i = gopool::select(gopool::on_recv(a), gopool::on_send(b, 2),
                                       gopool::on_default([&] { took_default = true; }));
  CHECK(i == 2);
  CHECK(took_default);
  CHECK(b.size() == 1);
}

TEST_CASE("a send case delivers and runs its callback") {
  gopool::Chan<std::unique_ptr<int>> out(1);
  bool sent = false;
  const std::size_t i =
      gopool::select(gopool::on_send(out, std::make_unique<int>(3), [&] { sent = true; }));
  CHECK(i == 0);
  CHECK(sent);
  CHECK(**out.recv() == 3);
}

TEST_CASE("timeout fires when no case becomes ready") {
  gopool::Chan<int> never;
  bool timed_out = false;
  std::size_t i = gopool::select(gopool::on_recv(never, [](int) {}),
                                 gopool::on_timeout(3ms, [&] { timed_out = true; }));
  CHECK(i == 1);
  CHECK(timed_out);
  // The withdrawn waiter must not linger on the channel.
  CHECK(gopool::detail::ChanAccess::state(never)->waiting(false) == 0);

  i = gopool::select(gopool::on_recv(never), gopool::on_timeout(0ms));
  CHECK(i == 1);
  i = gopool::select(gopool::on_recv(never), gopool::on_deadline(gopool::Clock::now() + 1ms));
  CHECK(i == 1);
  i = gopool::select(gopool::on_timeout(1ms));  // only a timeout: a sleep
  CHECK(i == 0);
}

TEST_CASE("closed channels: receive fires with nullopt, send throws ChanClosed") {
  gopool::Chan<int> c;
  c.close();
  std::optional<int> seen = 5;
  CHECK(gopool::select(gopool::on_recv(c, [&](std::optional<int> v) { seen = v; })) == 0);
  CHECK_FALSE(seen.has_value());
  bool called = false;
  CHECK(gopool::select(gopool::on_recv(c, [&](int) { called = true; })) == 0);
  CHECK_FALSE(called);  // a T-taking callback is skipped on close
  CHECK(gopool::select(gopool::on_recv(c, [&] { called = true; })) == 0);
  CHECK(called);
  CHECK_THROWS_AS(gopool::select(gopool::on_send(c, 1)), gopool::ChanClosed);
}

TEST_CASE("a nil channel case never fires") {
  gopool::Chan<int> nil(nullptr);
  gopool::Chan<int> ready(1);
  ready.send(9);
  int got = 0;
  CHECK(gopool::select(gopool::on_recv(nil, [](int) { FAIL("nil fired"); }),
                       gopool::on_send(nil, 1, [] { FAIL("nil fired"); }),
                       gopool::on_recv(ready, [&](int v) { got = v; })) == 2);
  CHECK(got == 9);
  CHECK(gopool::select(gopool::on_recv(nil), gopool::on_default()) == 1);
  CHECK(gopool::select(gopool::on_recv(nil), gopool::on_timeout(1ms)) == 1);
}

TEST_CASE("ready cases are chosen uniformly at random") {
  gopool::Chan<int> a(4000);
  gopool::Chan<int> b(4000);
  gopool::Chan<int> c(4000);
  for (int i = 0; i < 4000; ++i) {
    a.send(i);
    b.send(i);
    c.send(i);
  }
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 3000; ++i) {
    ++counts[gopool::select(gopool::on_recv(a), gopool::on_recv(b), gopool::on_recv(c))];
  }
  // Expected 1000 each, standard deviation ~26: 700 is more than 11 deviations away.
  for (int n : counts) {
    CHECK(n > 700);
  }
}

TEST_CASE("a blocked select is woken by a thread and by a goroutine") {
  for (bool from_goroutine : {true, false}) {
    CAPTURE(from_goroutine);
    gopool::Chan<int> a;
    gopool::Chan<std::string> b;
    std::atomic<int> which{-1};
    std::string got;
    gopool::WaitGroup wg;
    wg.add(1);
    auto selector = [&, a, b] {
      which = static_cast<int>(gopool::select(gopool::on_recv(a, [](int) {}),
                                              gopool::on_recv(b, [&](std::string s) { got = s; })));
      wg.done();
    };
    std::thread t;
    if (from_goroutine) {
      gopool::go(selector);
    } else {
      t = std::thread(selector);
    }
    await_waiters(b, 1, false);
    await_waiters(a, 1, false);
    b.send("x");
    wg.wait();
    if (t.joinable()) {
      t.join();
    }
    CHECK(which == 1);
    CHECK(got == "x");
    // The waiter on `a` was withdrawn: a try_send finds no receiver.
    CHECK_FALSE(a.try_send(1));
  }
}

TEST_CASE("a blocked select send case is completed by a receiver; close wakes a select") {
  gopool::Chan<int> out;
  gopool::Chan<int> done;
  gopool::WaitGroup wg;
  std::atomic<int> which{-1};
  wg.add(1);
  gopool::go([&, out, done] {
    which = static_cast<int>(gopool::select(gopool::on_send(out, 5), gopool::on_recv(done)));
    wg.done();
  });
  CHECK(out.recv() == 5);
  wg.wait();
  CHECK(which == 0);

  wg.add(1);
  gopool::go([&, out, done] {
    which = static_cast<int>(gopool::select(gopool::on_send(out, 6), gopool::on_recv(done)));
    wg.done();
  });
  await_waiters(done, 1, false);
  done.close();
  wg.wait();
  CHECK(which == 1);
  CHECK_FALSE(out.try_recv().has_value());  // the send case was withdrawn, nothing sent

  // A select blocked on a send case throws when that channel gets closed.
  std::atomic<bool> threw{false};
  wg.add(1);
  gopool::go([&, out] {
    try {
      gopool::select(gopool::on_send(out, 7));
    } catch (const gopool::ChanClosed&) {
      threw = true;
    }
    wg.done();
  });
  await_waiters(out, 1, true);
  out.close();
  wg.wait();
  CHECK(threw);
}

TEST_CASE("the same channel twice in one select") {
  gopool::Chan<int> ch;
  std::atomic<int> sum{0};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&, ch] {
    for (int i = 0; i < 100; ++i) {
      gopool::select(gopool::on_recv(ch, [&](int v) { sum += v; }),
                     gopool::on_recv(ch, [&](int v) { sum += v; }));
    }
    wg.done();
  });
  for (int i = 1; i <= 100; ++i) {
    ch.send(i);
  }
  wg.wait();
  CHECK(sum == 5050);
  CHECK(gopool::detail::ChanAccess::state(ch)->waiting(false) == 0);
}

TEST_CASE("selects race on shared channels: every value is received exactly once") {
  constexpr int kEach = 3000;
  gopool::Chan<int> a;
  gopool::Chan<int> b(2);
  gopool::Chan<int> quit;
  std::vector<std::atomic<int>> seen(2 * kEach);
  gopool::WaitGroup consumers;
  auto consume = [&, a, b, quit] {
    bool running = true;
    while (running) {
      gopool::select(gopool::on_recv(a, [&](int v) { seen[static_cast<std::size_t>(v)]++; }),
                     gopool::on_recv(b, [&](int v) { seen[static_cast<std::size_t>(v)]++; }),
                     gopool::on_recv(quit, [&] { running = false; }),
                     gopool::on_timeout(std::chrono::microseconds(50)));
    }
    consumers.done();
  };
  consumers.add(4);
  gopool::go(consume);
  gopool::go(consume);
  std::thread t1(consume);
  std::thread t2(consume);
  gopool::WaitGroup producers;
  producers.add(2);
  gopool::go([&, a] {
    for (int i = 0; i < kEach; ++i) {
      a.send(i);
    }
    producers.done();
  });
  std::thread tp([&, b] {
    for (int i = kEach; i < 2 * kEach; ++i) {
      // Senders race too: a select send with a timeout, retried until it goes through.
      bool sent = false;
      while (!sent) {
        gopool::select(gopool::on_send(b, i, [&] { sent = true; }),
                       gopool::on_timeout(std::chrono::microseconds(1 + i % 3)));
      }
    }
    producers.done();
  });
  producers.wait();
  quit.close();
  consumers.wait();
  t1.join();
  t2.join();
  tp.join();
  // A consumer may pick the closed quit channel while b still buffers a value (select chooses
  // among ready cases at random): take what is left.
  while (std::optional<int> v = b.try_recv()) {
    seen[static_cast<std::size_t>(*v)]++;
  }
  int missing = 0;
  int duplicated = 0;
  for (auto& s : seen) {
    missing += s.load() == 0 ? 1 : 0;
    duplicated += s.load() > 1 ? 1 : 0;
  }
  CHECK(missing == 0);
  CHECK(duplicated == 0);
}

TEST_CASE("two selects hand values to each other (send and receive cases on both sides)") {
  gopool::Chan<int> ab;
  gopool::Chan<int> ba;
  constexpr int kRounds = 2000;
  std::atomic<int> a_got{0};
  std::atomic<int> b_got{0};
  gopool::WaitGroup wg;
  wg.add(2);
  auto side = [&wg](gopool::Chan<int> out, gopool::Chan<int> in, std::atomic<int>& got) {
    int sent = 0;
    while (sent < kRounds || got < kRounds) {
      if (sent < kRounds) {
        gopool::select(gopool::on_send(out, sent, [&] { ++sent; }),
                       gopool::on_recv(in, [&](int) { ++got; }));
      } else {
        in.recv();
        ++got;
      }
    }
    wg.done();
  };
  gopool::go([&] { side(ab, ba, a_got); });
  std::thread t([&] { side(ba, ab, b_got); });
  wg.wait();
  t.join();
  CHECK(a_got == kRounds);
  CHECK(b_got == kRounds);
}

TEST_CASE("a huge select timeout saturates instead of overflowing") {
  gopool::Chan<int> ch(1);
  gopool::go([ch] { ch.send(4); });
  int got = 0;
  CHECK(gopool::select(gopool::on_recv(ch, [&](int v) { got = v; }),
                       gopool::on_timeout(std::chrono::hours::max())) == 0);
  CHECK(got == 4);
}
