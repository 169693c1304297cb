#include <atomic>
#include <cstdio>

#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

int main() {
  std::atomic<int> sum{0};
  gopool::WaitGroup wg;
  for (int i = 1; i <= 100; ++i) {
    wg.add(1);
    gopool::go([&, i] {
      sum += i;
      wg.done();
    });
  }
  wg.wait();
  std::printf("sum=%d\n", sum.load());
  return sum.load() == 5050 ? 0 : 1;
}
