// The README's ten lines: cap concurrency with a pool, join with a WaitGroup, get a value back
// through a future.
#include <CLI/CLI.hpp>
#include <cstdio>

#include <gopool/gopool.hpp>

int main(int argc, char** argv) {
  CLI::App app("hello: a pool of 1000 runs 100000 sleeping tasks, then answers 42", "hello");
  CLI11_PARSE(app, argc, argv);  // --help, and no stray arguments

  gopool::Pool pool(1000);  // at most 1000 tasks at once
  gopool::WaitGroup wg;
  for (int i = 0; i < 100000; ++i) {
    wg.add(1);
    (void)pool.post([&] {
      gopool::sleep_for(std::chrono::milliseconds(10));
      wg.done();
    });
  }
  wg.wait();                                     // a thread waits; a goroutine would park
  auto answer = pool.submit([] { return 42; });  // gopool::Future<int>
  const int value = answer.get();                // get() is one-shot, like std::future
  std::printf("answer: %d\n", value);
  return value == 42 ? 0 : 1;
}
