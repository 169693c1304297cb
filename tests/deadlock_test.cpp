// Deadlock detection: when every goroutine waits and nothing in the process could wake one, the
// process ends as Go's does ("all goroutines are asleep - deadlock!", exit status 2), naming the
// goroutines; while anything could still wake one (a timer, a thread outside gopool), it waits.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <gopool/chan.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include "support/death.hpp"

namespace {

// ThreadSanitizer runs a thread of its own, which the detector cannot tell from a thread that
// might still wake a goroutine, so it (rightly) never reports a deadlock there.
#if defined(GOPOOL_TSAN)
constexpr bool kSanitizerThread = true;
#else
constexpr bool kSanitizerThread = false;
#endif

// The detector counts the process's threads in /proc/self/stat (field 20). qemu-user (7.2),
// which runs the cross build's tests, fakes that file with a count of 0 and runs threads of its
// own besides: there the detector can never account for every thread, so it never reports.
bool kernel_counts_threads() {
  std::FILE* f = std::fopen("/proc/self/stat", "r");
  if (f == nullptr) return false;
  char buf[1024];
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces
  for (int field = 2; p != nullptr && field < 20; ++field)
    p = std::strchr(p + 1, ' ');
  return p != nullptr && std::atoi(p + 1) > 0;
}

const bool kDetectorSeesAllThreads = !kSanitizerThread && kernel_counts_threads();

}  // namespace

GOPOOL_DEATH_SCENARIO(receive_nobody_sends) {
  gopool::Chan<int> never;
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    (void)never.recv();
    wg.done();
  });
  wg.wait();
  std::printf("not reached\n");
}

GOPOOL_DEATH_SCENARIO(two_threads_wait_for_each_other) {
  gopool::WaitGroup first;
  gopool::WaitGroup second;
  first.add(1);
  second.add(1);
  std::thread other([&] {
    first.wait();  // waits for the main thread, which waits for this one
    second.done();
  });
  gopool::go([&] { gopool::Chan<int>().recv(); });
  second.wait();
  first.done();
  other.join();
  std::printf("not reached\n");
}

GOPOOL_DEATH_SCENARIO(outside_thread_wakes_late) {
  gopool::Chan<int> ch;
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    std::printf("got %d\n", ch.recv().value_or(-1));
    wg.done();
  });
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // in the kernel, not gopool
    ch.send(7);
  });
  wg.wait();
  late.join();
  std::fflush(stdout);
  std::_Exit(0);
}

GOPOOL_DEATH_SCENARIO(timer_wakes_late) {
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    gopool::sleep_for(std::chrono::milliseconds(400));
    wg.done();
  });
  wg.wait();
  std::printf("woke\n");
  std::fflush(stdout);
  std::_Exit(0);
}

TEST_CASE("a goroutine waiting for a channel nobody can send on is reported as a deadlock" *
          doctest::skip(!kDetectorSeesAllThreads)) {
  const auto r = gopool::test::run_death_scenario("receive_nobody_sends");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("all goroutines are asleep - deadlock!") != std::string::npos);
  CHECK(r.output.find("chan receive") != std::string::npos);
  CHECK(r.output.find("deadlock_test.cpp") != std::string::npos);
  CHECK(r.output.find("not reached") == std::string::npos);
}

TEST_CASE("threads parked in gopool waits count as asleep" *
          doctest::skip(!kDetectorSeesAllThreads)) {
  const auto r = gopool::test::run_death_scenario("two_threads_wait_for_each_other");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("all goroutines are asleep - deadlock!") != std::string::npos);
}

TEST_CASE("no deadlock while a thread outside gopool can still wake a goroutine") {
  const auto r = gopool::test::run_death_scenario("outside_thread_wakes_late");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("got 7") != std::string::npos);
}

TEST_CASE("no deadlock while a timer can still wake a goroutine") {
  const auto r = gopool::test::run_death_scenario("timer_wakes_late");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("woke") != std::string::npos);
}
