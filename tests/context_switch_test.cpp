// What a context switch must preserve: registers, FP control state, C++ exception state.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cfenv>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include "support/os_thread.hpp"

namespace {

// Keeps many values live across switches, so callee-saved registers hold them.
__attribute__((noinline)) bool values_survive_yields(int seed) {
  std::uint64_t a = seed, b = seed * 3ULL, c = seed * 7ULL, d = seed * 11ULL, e = seed * 13ULL,
                f = seed * 17ULL;
  double x = seed * 0.5, y = seed * 0.25, z = seed * 0.125;
  for (int i = 0; i < 200; ++i) {
    gopool::yield();
    a += 1;
    b += 3;
    c += 7;
    d += 11;
    e += 13;
    f += 17;
    x += 0.5;
    y += 0.25;
    z += 0.125;
  }
  const std::uint64_t s = static_cast<std::uint64_t>(seed);
  return a == s + 200 && b == s * 3 + 600 && c == s * 7 + 1400 && d == s * 11 + 2200 &&
         e == s * 13 + 2600 && f == s * 17 + 3400 && x == seed * 0.5 + 100 &&
         y == seed * 0.25 + 50 && z == seed * 0.125 + 25;
}

}  // namespace

TEST_CASE("integer and FP registers survive switches") {
  constexpr int kCount = 64;
  std::vector<char> ok(kCount, 0);
  gopool::WaitGroup wg;
  wg.add(kCount);
  for (int i = 0; i < kCount; ++i) {
    gopool::go([&, i] {
      ok[i] = values_survive_yields(i + 1) ? 1 : 0;
      wg.done();
    });
  }
  wg.wait();
  CHECK(std::count(ok.begin(), ok.end(), 1) == kCount);
}

TEST_CASE("each goroutine keeps its own FP rounding mode across switches") {
  const int modes[] = {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO, FE_TONEAREST};
  constexpr int kCount = 32;
  std::vector<char> ok(kCount, 0);
  gopool::WaitGroup wg;
  wg.add(kCount);
  for (int i = 0; i < kCount; ++i) {
    gopool::go([&, i] {
      const int mode = modes[i % 4];
      std::fesetround(mode);
      bool good = true;
      for (int k = 0; k < 100; ++k) {
        gopool::yield();
        good = good && std::fegetround() == mode;
      }
      std::fesetround(FE_TONEAREST);
      ok[i] = good ? 1 : 0;
      wg.done();
    });
  }
  wg.wait();
  CHECK(std::count(ok.begin(), ok.end(), 1) == kCount);
}

TEST_CASE("an exception caught across switches and sleeps stays the right one") {
  const int old = gopool::set_procs(2);
  constexpr int kCount = 40;
  std::vector<char> ok(kCount, 0);
  gopool::WaitGroup wg;
  wg.add(kCount);
  for (int i = 0; i < kCount; ++i) {
    gopool::go([&, i] {
      bool good = true;
      try {
        throw std::runtime_error("goroutine " + std::to_string(i));
      } catch (const std::runtime_error& e) {
        for (int k = 0; k < 50; ++k) {
          if (k % 2 == 0) {
            gopool::yield();
          } else {
            gopool::sleep_for(std::chrono::microseconds(200));
          }
          std::exception_ptr current = std::current_exception();
          try {
            std::rethrow_exception(current);
          } catch (const std::runtime_error& again) {
            good = good && std::string(again.what()) == "goroutine " + std::to_string(i) &&
                   &again == &e;
          } catch (...) {
            good = false;
          }
          good = good && std::uncaught_exceptions() == 0;
        }
      }
      good = good && std::current_exception() == nullptr;
      ok[i] = good ? 1 : 0;
      wg.done();
    });
  }
  wg.wait();
  gopool::set_procs(old);
  CHECK(std::count(ok.begin(), ok.end(), 1) == kCount);
}

TEST_CASE("a goroutine inside a catch block that is stolen by another thread keeps its exception") {
  const int old = gopool::set_procs(2);
  bool moved = false;
  bool good = true;
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    try {
      throw std::out_of_range("mine");
    } catch (const std::out_of_range& e) {
      const auto thread = gopool::test::os_thread_id();
      for (int attempt = 0; attempt < 200 && !moved; ++attempt) {
        // A goroutine that holds this thread for a while: yielding to it leaves this one in
        // the run queue, where the other P steals it.
        gopool::go([] {
          const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
          while (std::chrono::steady_clock::now() < end) {
          }
        });
        gopool::yield();
        moved = gopool::test::os_thread_id() != thread;
        good = good && std::current_exception() != nullptr;
        try {
          throw;
        } catch (const std::out_of_range& again) {
          good = good && &again == &e && std::string(again.what()) == "mine";
        }
      }
    }
    good = good && std::current_exception() == nullptr;
    wg.done();
  });
  wg.wait();
  gopool::set_procs(old);
  CHECK(moved);
  CHECK(good);
}

TEST_CASE("uncaught_exceptions is per goroutine: a destructor that parks during unwinding") {
  struct ParksInDestructor {
    int* seen;
    ~ParksInDestructor() {
      gopool::sleep_for(std::chrono::milliseconds(1));
      *seen = std::uncaught_exceptions();
    }
  };
  int seen_unwinding = -1;
  int seen_other = -1;
  gopool::WaitGroup wg;
  wg.add(2);
  gopool::go([&] {
    try {
      ParksInDestructor guard{&seen_unwinding};
      throw std::logic_error("unwind");
    } catch (const std::logic_error&) {
    }
    wg.done();
  });
  gopool::go([&] {
    for (int i = 0; i < 10; ++i) {
      gopool::sleep_for(std::chrono::microseconds(300));
      seen_other = std::max(seen_other, std::uncaught_exceptions());
    }
    wg.done();
  });
  wg.wait();
  CHECK(seen_unwinding == 1);
  CHECK(seen_other == 0);
}
