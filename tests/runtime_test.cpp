// The public runtime API: go, yield, ids, num_goroutines, configure, bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gopool/runtime.hpp>
#include <gopool/runtime_stats.hpp>
#include <gopool/wait_group.hpp>

#include "support/live_limit.hpp"
#include "support/wait_until.hpp"

TEST_CASE("goroutines run and a WaitGroup joins them") {
  gopool::WaitGroup wg;
  std::atomic<int> ran{0};
  for (int i = 0; i < 1000; ++i) {
    wg.add(1);
    gopool::go([&] {
      ran.fetch_add(1);
      gopool::yield();
      wg.done();
    });
  }
  wg.wait();
  CHECK(ran.load() == 1000);
}

TEST_CASE("100000 goroutines from a foreign thread and from goroutines each run exactly once") {
  constexpr int kCount = 100000;
  // Each half starts its goroutines in waves, waiting for a wave before the next, so that how
  // many are alive at once never depends on timing (under TSan it must stay below its limit).
  constexpr int kWave = std::min(kCount, gopool::test::kMaxLiveGoroutines / 2);
  std::vector<std::atomic<int>> runs(2 * kCount);
  auto start_all = [&](int first) {
    for (int wave = 0; wave < kCount; wave += kWave) {
      const int n = std::min(kWave, kCount - wave);
      gopool::WaitGroup wg;
      wg.add(n);
      for (int i = first + wave; i < first + wave + n; ++i) {
        gopool::go([&, i] {
          runs[i].fetch_add(1);
          wg.done();
        });
      }
      wg.wait();
    }
  };
  gopool::WaitGroup from_goroutine;
  from_goroutine.add(1);
  gopool::go([&] {
    start_all(kCount);
    from_goroutine.done();
  });
  start_all(0);
  from_goroutine.wait();
  int wrong = 0;
  for (auto& r : runs)
    wrong += r.load() != 1 ? 1 : 0;
  CHECK(wrong == 0);
}

TEST_CASE("this_goroutine::id is 0 outside, unique and non-zero inside") {
  CHECK(gopool::this_goroutine::id() == 0);
  CHECK_FALSE(gopool::in_goroutine());
  constexpr int kCount = 2000;
  std::vector<std::uint64_t> ids(kCount);
  std::vector<char> inside(kCount);
  gopool::WaitGroup wg;
  wg.add(kCount);
  for (int i = 0; i < kCount; ++i) {
    gopool::go([&, i] {
      ids[i] = gopool::this_goroutine::id();
      inside[i] = gopool::in_goroutine() ? 1 : 0;
      wg.done();
    });
  }
  wg.wait();
  std::set<std::uint64_t> unique(ids.begin(), ids.end());
  CHECK(unique.size() == kCount);
  CHECK(unique.count(0) == 0);
  CHECK(std::count(inside.begin(), inside.end(), 1) == kCount);
}

TEST_CASE("num_goroutines counts live goroutines and returns to its baseline") {
  const auto baseline = gopool::test::settled_num_goroutines();
  gopool::WaitGroup started;
  gopool::WaitGroup release;
  gopool::WaitGroup finished;
  release.add(1);
  started.add(100);
  finished.add(100);
  for (int i = 0; i < 100; ++i) {
    gopool::go([&] {
      started.done();
      release.wait();
      finished.done();
    });
  }
  started.wait();
  CHECK(gopool::num_goroutines() == baseline + 100);
  release.done();
  finished.wait();
  CHECK(gopool::test::wait_until([&] { return gopool::num_goroutines() == baseline; }));
}

TEST_CASE("go rejects bad input and changes nothing") {
  const auto created = gopool::runtime_stats().goroutines_created;
  void (*null_fn)() = nullptr;
  CHECK_THROWS_AS(gopool::go(null_fn), std::invalid_argument);
  CHECK_THROWS_AS(gopool::go(std::function<void()>{}), std::invalid_argument);
  CHECK_THROWS_AS(gopool::go(gopool::GoOptions{.stack_size = 100}, [] {}), std::invalid_argument);
  CHECK_THROWS_AS(gopool::go(gopool::GoOptions{.stack_size = std::size_t{4} << 30}, [] {}),
                  std::invalid_argument);
  CHECK(gopool::runtime_stats().goroutines_created == created);
}

TEST_CASE("configure after start is refused, bad options are invalid_argument") {
  gopool::go([] {});
  CHECK(gopool::configure({}) == std::errc::operation_not_permitted);
  CHECK(gopool::configure({.procs = -1}) == std::errc::invalid_argument);
  CHECK(gopool::configure({.stack_size = 1024}) == std::errc::invalid_argument);
  CHECK(gopool::configure({.max_threads = -5}) == std::errc::invalid_argument);
}

TEST_CASE("a goroutine with a large stack can recurse deep") {
  std::function<int(int)> depth = [&](int n) -> int {
    volatile char pad[1024];
    pad[0] = static_cast<char>(n);
    return n == 0 ? pad[0] : depth(n - 1) + 1;
  };
  std::atomic<int> result{0};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go(gopool::GoOptions{.stack_size = 4 << 20}, [&] {
    result = depth(2000);  // ~2.5 MiB of frames
    wg.done();
  });
  wg.wait();
  CHECK(result.load() == 2000);
}

TEST_CASE("yield outside a goroutine yields the thread") {
  gopool::yield();  // must not crash or block
  CHECK(true);
}

namespace {
void plain_function() {}
}  // namespace

TEST_CASE("go() takes a plain function by name") {
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go(plain_function);
  gopool::go([&] { wg.done(); });
  wg.wait();
  CHECK(true);
}
