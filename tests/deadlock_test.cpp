// Deadlock detection: when every goroutine waits and nothing in the process could wake one, the
// process ends as Go's does ("all goroutines are asleep - deadlock!", exit status 2), naming the
// goroutines; while anything could still wake one (a timer, a thread outside gopool), it waits.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
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
constexpr bool kDetectorSeesAllThreads = false;
#else
constexpr bool kDetectorSeesAllThreads = true;
#endif

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
