#include <doctest/doctest.h>

#include <atomic>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

TEST_CASE("smoke: goroutines run and a WaitGroup joins them") {
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
