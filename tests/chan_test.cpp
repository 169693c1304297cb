// Chan<T>: Go's channel semantics, from goroutines and from OS threads.
#include "gopool/chan.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gopool/runtime.hpp"
#include "gopool/wait_group.hpp"

using namespace std::chrono_literals;

namespace {

// Runs bodies concurrently, each on a goroutine or on its own OS thread, and waits for all.
class Group {
 public:
  explicit Group(bool goroutines) : goroutines_(goroutines) {}
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  ~Group() { wait(); }

  void spawn(std::function<void()> body) {
    if (goroutines_) {
      wg_.add(1);
      gopool::go([this, body = std::move(body)] {
        body();
        wg_.done();
      });
    } else {
      threads_.emplace_back(std::move(body));
    }
  }
  void wait() {
    wg_.wait();
    for (auto& t : threads_) {
      t.join();
    }
    threads_.clear();
  }

 private:
  bool goroutines_;
  gopool::WaitGroup wg_;
  std::vector<std::thread> threads_;
};

// Waits (by polling, never by a fixed sleep) until ch has n blocked receivers or senders.
template <class T>
void await_waiters(const gopool::Chan<T>& ch, std::size_t n, bool senders) {
  auto* state = gopool::detail::ChanAccess::state(ch);
  while (state->waiting(senders) != n) {
    gopool::yield();
    std::this_thread::yield();
  }
}

}  // namespace

TEST_CASE("handles share one channel") {
  gopool::Chan<int> a(4);
  gopool::Chan<int> b = a;
  CHECK(a == b);
  CHECK(a.capacity() == 4);
  a.send(1);
  CHECK(b.size() == 1);
  CHECK(b.recv() == 1);
  gopool::Chan<int> c;
  CHECK_FALSE(a == c);
  CHECK(c.capacity() == 0);
  gopool::Chan<int> moved = std::move(c);
  CHECK(static_cast<bool>(moved));
}

TEST_CASE("bad input: negative capacity, nil channel") {
  CHECK_THROWS_AS(gopool::Chan<int>(-1), std::invalid_argument);
  gopool::Chan<int> nil(nullptr);
  CHECK_FALSE(static_cast<bool>(nil));
  CHECK_THROWS_AS(nil.send(1), std::invalid_argument);
  CHECK_THROWS_AS((void)nil.recv(), std::invalid_argument);
  CHECK_THROWS_AS(nil.close(), std::invalid_argument);
  CHECK_THROWS_AS((void)nil.recv_for(1ms), std::invalid_argument);
  CHECK_FALSE(nil.try_send(1));
  CHECK_FALSE(nil.try_recv().has_value());
  CHECK(nil.size() == 0);
  CHECK(nil.capacity() == 0);
  CHECK_FALSE(nil.closed());
}

TEST_CASE("unbuffered send and receive, in order") {
  for (bool goroutines : {true, false}) {
    CAPTURE(goroutines);
    gopool::Chan<int> ch;
    std::vector<int> got;
    {
      Group g(goroutines);
      g.spawn([ch] {
        for (int i = 0; i < 1000; ++i) {
          ch.send(i);
        }
        ch.close();
      });
      g.spawn([ch, &got] {
        while (auto v = ch.recv()) {
          got.push_back(*v);
        }
      });
    }
    std::vector<int> want(1000);
    std::iota(want.begin(), want.end(), 0);
    CHECK(got == want);
  }
}

TEST_CASE("a thread and a goroutine talk over a channel") {
  gopool::Chan<std::string> to_g;
  gopool::Chan<std::string> to_t;
  gopool::go([to_g, to_t] {
    while (auto s = to_g.recv()) {
      to_t.send(*s + "!");
    }
    to_t.close();
  });
  for (int i = 0; i < 100; ++i) {
    to_g.send(std::to_string(i));
    CHECK(to_t.recv() == std::to_string(i) + "!");
  }
  to_g.close();
  CHECK_FALSE(to_t.recv().has_value());
}

TEST_CASE("buffered channel fills to capacity without blocking") {
  gopool::Chan<int> ch(3);
  CHECK(ch.try_send(1));
  CHECK(ch.try_send(2));
  ch.send(3);
  CHECK(ch.size() == 3);
  int four = 4;
  CHECK_FALSE(ch.try_send(four));
  CHECK_FALSE(ch.send_for(4, 1ms));
  CHECK(ch.try_recv() == 1);
  CHECK(ch.try_send(four));
  CHECK(ch.recv() == 2);
  CHECK(ch.recv() == 3);
  CHECK(ch.recv() == 4);
  CHECK_FALSE(ch.try_recv().has_value());
  CHECK(ch.size() == 0);
}

TEST_CASE("try operations on an unbuffered channel need a waiting partner") {
  gopool::Chan<int> ch;
  CHECK_FALSE(ch.try_send(1));
  CHECK_FALSE(ch.try_recv().has_value());
  gopool::go([ch] { ch.send(7); });
  await_waiters(ch, 1, true);
  CHECK(ch.try_recv() == 7);
  std::atomic<int> got{0};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([ch, &got, &wg] {
    got = ch.recv().value_or(-1);
    wg.done();
  });
  await_waiters(ch, 1, false);
  CHECK(ch.try_send(8));
  wg.wait();
  CHECK(got == 8);
}

TEST_CASE("receivers see every value sent before close, then nullopt forever") {
  gopool::Chan<int> ch(10);
  for (int i = 0; i < 5; ++i) {
    ch.send(i);
  }
  ch.close();
  CHECK(ch.closed());
  for (int i = 0; i < 5; ++i) {
    CHECK(ch.recv() == i);
  }
  CHECK_FALSE(ch.recv().has_value());
  CHECK_FALSE(ch.recv().has_value());
  CHECK_FALSE(ch.try_recv().has_value());
  CHECK_FALSE(ch.recv_for(1ms).has_value());
}

TEST_CASE("send on a closed channel and a second close throw ChanClosed") {
  gopool::Chan<int> ch(1);
  ch.close();
  CHECK_THROWS_AS(ch.send(1), gopool::ChanClosed);
  CHECK_THROWS_AS((void)ch.try_send(1), gopool::ChanClosed);
  CHECK_THROWS_AS((void)ch.send_for(1, 1ms), gopool::ChanClosed);
  CHECK_THROWS_AS(ch.close(), gopool::ChanClosed);
  try {
    ch.close();
  } catch (const std::logic_error& e) {  // ChanClosed is a std::logic_error
    CHECK(std::string(e.what()).find("close of closed channel") != std::string::npos);
  }
}

TEST_CASE("close wakes every blocked receiver and sender") {
  for (bool goroutines : {true, false}) {
    CAPTURE(goroutines);
    gopool::Chan<int> rx;
    gopool::Chan<int> tx;
    std::atomic<int> receivers_done{0};
    std::atomic<int> senders_threw{0};
    Group g(goroutines);
    for (int i = 0; i < 4; ++i) {
      g.spawn([rx, &receivers_done] {
        if (!rx.recv().has_value()) {
          receivers_done.fetch_add(1);
        }
      });
      g.spawn([tx, &senders_threw] {
        try {
          tx.send(1);
        } catch (const gopool::ChanClosed&) {
          senders_threw.fetch_add(1);
        }
      });
    }
    await_waiters(rx, 4, false);
    await_waiters(tx, 4, true);
    rx.close();
    tx.close();
    g.wait();
    CHECK(receivers_done == 4);
    CHECK(senders_threw == 4);
  }
}

TEST_CASE("waiters are served FIFO") {
  for (bool goroutines : {true, false}) {
    CAPTURE(goroutines);
    SUBCASE("receivers") {
      gopool::Chan<int> ch;
      std::vector<int> got(5, -1);
      Group g(goroutines);
      for (int i = 0; i < 5; ++i) {
        g.spawn([ch, &got, i] { got[static_cast<std::size_t>(i)] = ch.recv().value_or(-2); });
        await_waiters(ch, static_cast<std::size_t>(i) + 1, false);
      }
      for (int i = 0; i < 5; ++i) {
        ch.send(i * 10);
      }
      g.wait();
      CHECK(got == std::vector<int>{0, 10, 20, 30, 40});
    }
    SUBCASE("senders on a full buffer") {
      gopool::Chan<int> ch(1);
      ch.send(-1);
      Group g(goroutines);
      for (int i = 0; i < 5; ++i) {
        g.spawn([ch, i] { ch.send(i); });
        await_waiters(ch, static_cast<std::size_t>(i) + 1, true);
      }
      std::vector<int> got;
      for (int i = 0; i < 6; ++i) {
        got.push_back(ch.recv().value());
      }
      g.wait();
      CHECK(got == std::vector<int>{-1, 0, 1, 2, 3, 4});
    }
  }
}

TEST_CASE("move-only values") {
  gopool::Chan<std::unique_ptr<int>> ch(2);
  ch.send(std::make_unique<int>(1));
  auto p = std::make_unique<int>(2);
  CHECK(ch.try_send(std::move(p)));
  CHECK(p == nullptr);
  auto q = std::make_unique<int>(3);
  CHECK_FALSE(ch.try_send(std::move(q)));
  CHECK(q != nullptr);  // NOLINT(bugprone-use-after-move): a failed try_send does not move
  CHECK_FALSE(ch.send_for(std::move(q), 1ms));
  CHECK(q != nullptr);  // NOLINT(bugprone-use-after-move)
  CHECK(**ch.recv() == 1);
  CHECK(**ch.recv() == 2);

  gopool::Chan<std::unique_ptr<int>> unbuffered;
  gopool::go([unbuffered] { unbuffered.send(std::make_unique<int>(42)); });
  CHECK(*unbuffered.recv().value() == 42);
}

TEST_CASE("a blocked receive takes values larger than a line and aligned beyond one") {
  // The value waits in the receiver's queue node, which must take the value's own alignment.
  struct alignas(128) Wide {
    std::array<std::uint32_t, 40> words{};
  };
  auto make = [](std::uint32_t seed) {
    Wide w;
    for (std::size_t i = 0; i < w.words.size(); ++i)
      w.words[i] = seed + static_cast<std::uint32_t>(i);
    return w;
  };
  auto intact = [](const Wide& w, std::uint32_t seed) {
    if (reinterpret_cast<std::uintptr_t>(&w) % alignof(Wide) != 0) return false;
    for (std::size_t i = 0; i < w.words.size(); ++i) {
      if (w.words[i] != seed + i) return false;
    }
    return true;
  };
  gopool::Chan<Wide> ch;
  gopool::WaitGroup wg;
  wg.add(1);
  std::atomic<bool> ok{false};
  gopool::go([&] {
    const std::optional<Wide> v = ch.recv();  // blocks: nobody has sent yet
    ok.store(v.has_value() && intact(*v, 100));
    wg.done();
  });
  await_waiters(ch, 1, false);
  ch.send(make(100));
  wg.wait();
  CHECK(ok.load());
  // A thread that blocks in recv, and a goroutine that sends.
  gopool::go([&] {
    await_waiters(ch, 1, false);
    ch.send(make(7));
  });
  const std::optional<Wide> v = ch.recv();
  REQUIRE(v.has_value());
  CHECK(intact(*v, 7));
}

TEST_CASE("range-for ends when the channel is closed and drained") {
  gopool::Chan<int> ch(4);
  gopool::go([ch] {
    for (int i = 1; i <= 100; ++i) {
      ch.send(i);
    }
    ch.close();
  });
  int sum = 0;
  int count = 0;
  for (int& v : ch) {
    sum += v;
    ++count;
  }
  CHECK(count == 100);
  CHECK(sum == 5050);

  gopool::Chan<std::unique_ptr<int>> owned(2);
  owned.send(std::make_unique<int>(5));
  owned.close();
  for (auto& p : owned) {
    std::unique_ptr<int> mine = std::move(p);
    CHECK(*mine == 5);
  }
}

TEST_CASE("timed operations give up, and never lose or duplicate a value") {
  gopool::Chan<int> ch;
  CHECK_FALSE(ch.recv_for(2ms).has_value());
  CHECK_FALSE(ch.recv_for(0ms).has_value());
  CHECK_FALSE(ch.send_for(1, 2ms));
  CHECK_FALSE(ch.recv_until(gopool::Clock::now() - 1s).has_value());
  CHECK(ch.send_until(1, gopool::Clock::now()) == false);

  // A receiver with tiny timeouts races a sender: each value arrives exactly once.
  for (bool goroutines : {true, false}) {
    CAPTURE(goroutines);
    constexpr int kValues = 2000;
    std::vector<int> got;
    Group g(goroutines);
    g.spawn([ch] {
      for (int i = 0; i < kValues; ++i) {
        ch.send(i);
      }
    });
    g.spawn([ch, &got] {
      while (got.size() < kValues) {
        if (auto v = ch.recv_for(std::chrono::microseconds(1 + got.size() % 5))) {
          got.push_back(*v);
        }
      }
    });
    g.wait();
    std::vector<int> want(kValues);
    std::iota(want.begin(), want.end(), 0);
    CHECK(got == want);
  }

  // A sender with tiny timeouts races a receiver: a value is either delivered or handed back.
  for (bool goroutines : {true, false}) {
    CAPTURE(goroutines);
    constexpr int kValues = 2000;
    std::vector<int> got;
    Group g(goroutines);
    g.spawn([ch] {
      for (int i = 0; i < kValues;) {
        if (ch.send_for(i, std::chrono::microseconds(1 + i % 5))) {
          ++i;
        }
      }
    });
    g.spawn([ch, &got] {
      for (int i = 0; i < kValues; ++i) {
        got.push_back(ch.recv().value());
      }
    });
    g.wait();
    std::vector<int> want(kValues);
    std::iota(want.begin(), want.end(), 0);
    CHECK(got == want);
  }
}

TEST_CASE("many producers and consumers, goroutines and threads mixed") {
  for (std::ptrdiff_t cap : {0, 1, 16}) {
    CAPTURE(cap);
    gopool::Chan<long> ch(cap);
    constexpr int kProducers = 6;
    constexpr long kEach = 2000;
    std::atomic<long> sum{0};
    std::atomic<long> count{0};
    Group gs(true);
    Group ts(false);
    gopool::WaitGroup producers;
    producers.add(kProducers);
    for (int p = 0; p < kProducers; ++p) {
      (p % 2 == 0 ? gs : ts).spawn([ch, &producers, p] {
        for (long i = 0; i < kEach; ++i) {
          ch.send(p * kEach + i);
        }
        producers.done();
      });
    }
    for (int c = 0; c < 4; ++c) {
      (c % 2 == 0 ? gs : ts).spawn([ch, &sum, &count] {
        for (long v : ch) {
          sum.fetch_add(v);
          count.fetch_add(1);
        }
      });
    }
    producers.wait();
    ch.close();
    gs.wait();
    ts.wait();
    const long n = kProducers * kEach;
    CHECK(count == n);
    CHECK(sum == n * (n - 1) / 2);
  }
}

TEST_CASE("huge timeouts saturate instead of overflowing") {
  gopool::Chan<int> ch;
  gopool::go([ch] { ch.send(1); });
  CHECK(ch.recv_for(std::chrono::hours::max()) == 1);
  gopool::go([ch] { (void)ch.recv(); });
  CHECK(ch.send_for(2, std::chrono::nanoseconds::max()));
}
