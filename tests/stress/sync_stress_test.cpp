// Stress: goroutines and threads hammer a set of channels with every kind of operation (plain,
// try, timed, select with and without timeouts) and the books must balance: every value whose
// send succeeded is received exactly once, nothing else is received.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "gopool/chan.hpp"
#include "gopool/runtime.hpp"
#include "gopool/select.hpp"
#include "gopool/wait_group.hpp"

using namespace std::chrono_literals;

namespace {

// A tiny deterministic generator per worker (xorshift).
struct Rng {
  std::uint64_t s;
  std::uint32_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return static_cast<std::uint32_t>(s >> 32);
  }
  std::uint32_t below(std::uint32_t n) { return next() % n; }
};

constexpr int kChannels = 6;
constexpr int kProducers = 8;
constexpr int kConsumers = 8;
constexpr int kPerProducer = 4000;

struct Books {
  std::vector<gopool::Chan<int>> chans;
  std::unique_ptr<std::atomic<int>[]> sent { new std::atomic<int>[ kProducers * kPerProducer ] };
  std::unique_ptr<std::atomic<int>[]> received {
    new std::atomic<int>[ kProducers * kPerProducer ]
  };
  Books() {
    const std::ptrdiff_t caps[kChannels] = {0, 0, 1, 1, 8, 64};
    for (std::ptrdiff_t c : caps) {
      chans.emplace_back(c);
    }
    for (int i = 0; i < kProducers * kPerProducer; ++i) {
      sent[i] = 0;
      received[i] = 0;
    }
  }
};

void produce(Books& b, int id) {
  Rng rng{0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(id + 1)};
  for (int k = 0; k < kPerProducer;) {
    const int v = id * kPerProducer + k;
    const auto& a = b.chans[rng.below(kChannels)];
    const auto& c = b.chans[rng.below(kChannels)];
    bool ok = false;
    switch (rng.below(5)) {
      case 0:
        a.send(v);
        ok = true;
        break;
      case 1:
        ok = a.try_send(v);
        break;
      case 2:
        ok = a.send_for(v, std::chrono::microseconds(1 + rng.below(20)));
        break;
      case 3:
        gopool::select(gopool::on_send(a, v, [&] { ok = true; }),
                       gopool::on_send(c, v, [&] { ok = true; }),
                       gopool::on_timeout(std::chrono::microseconds(1 + rng.below(20))));
        break;
      default:
        gopool::select(gopool::on_send(a, v, [&] { ok = true; }),
                       gopool::on_send(c, v, [&] { ok = true; }));
        break;
    }
    if (ok) {
      b.sent[v].fetch_add(1);
      ++k;
    } else if (rng.below(8) == 0) {
      gopool::yield();
    }
  }
}

void consume(Books& b, int id, const std::atomic<bool>& closing) {
  Rng rng{0xD1B54A32D192ED03ULL * static_cast<std::uint64_t>(id + 1)};
  auto take = [&](std::optional<int> v) {
    if (v) {
      b.received[*v].fetch_add(1);
    }
  };
  for (;;) {
    const auto& a = b.chans[rng.below(kChannels)];
    const auto& c = b.chans[rng.below(kChannels)];
    switch (rng.below(4)) {
      case 0:
        take(a.try_recv());
        break;
      case 1:
        take(a.recv_for(std::chrono::microseconds(1 + rng.below(50))));
        break;
      case 2:
        gopool::select(gopool::on_recv(a, take), gopool::on_recv(c, take),
                       gopool::on_timeout(std::chrono::microseconds(1 + rng.below(50))));
        break;
      default:
        gopool::select(gopool::on_recv(a, take), gopool::on_recv(c, take), gopool::on_default());
        break;
    }
    if (closing.load()) {
      bool all_drained = true;
      for (const auto& ch : b.chans) {
        all_drained = all_drained && ch.closed() && ch.size() == 0;
      }
      if (all_drained) {
        return;
      }
    }
  }
}

}  // namespace

TEST_CASE("channel books balance under a random mix of operations") {
  Books books;
  std::atomic<bool> closing{false};
  gopool::WaitGroup producers;
  gopool::WaitGroup consumers;
  std::vector<std::thread> threads;
  producers.add(kProducers);
  consumers.add(kConsumers);
  for (int i = 0; i < kProducers; ++i) {
    auto body = [&books, &producers, i] {
      produce(books, i);
      producers.done();
    };
    if (i % 3 == 0) {
      threads.emplace_back(body);
    } else {
      gopool::go(body);
    }
  }
  for (int i = 0; i < kConsumers; ++i) {
    auto body = [&books, &consumers, &closing, i] {
      consume(books, i, closing);
      consumers.done();
    };
    if (i % 3 == 1) {
      threads.emplace_back(body);
    } else {
      gopool::go(body);
    }
  }
  producers.wait();
  for (const auto& ch : books.chans) {
    ch.close();
  }
  closing = true;
  consumers.wait();
  for (auto& t : threads) {
    t.join();
  }
  int lost = 0;
  int duplicated = 0;
  int phantom = 0;
  for (int v = 0; v < kProducers * kPerProducer; ++v) {
    const int s = books.sent[v].load();
    const int r = books.received[v].load();
    lost += (s == 1 && r == 0) ? 1 : 0;
    duplicated += r > 1 ? 1 : 0;
    phantom += (s == 0 && r > 0) ? 1 : 0;
  }
  CHECK(lost == 0);
  CHECK(duplicated == 0);
  CHECK(phantom == 0);
}
