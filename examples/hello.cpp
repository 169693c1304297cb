// The README's ten lines: cap concurrency with a pool, join with a WaitGroup, get a value back
// through a future.
#include <cstdio>
#include <optional>

#include <gopool/gopool.hpp>

#include "command_line.hpp"

int main(int argc, char** argv) {
  CommandLine cli("hello", "hello: a pool of 1000 runs 100000 sleeping tasks, then answers 42");
  if (const std::optional<int> exit_code = cli.parse(argc, argv)) return *exit_code;

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
