// Seed 001: a process whose main returns (or that calls exit) while goroutines still run or
// wait ends at once and cleanly, as a Go program does; an escaped exception is fatal.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include "support/death.hpp"
#include "support/wait_until.hpp"

namespace {

struct PrintsOnDestruction {
  ~PrintsOnDestruction() { std::printf("static destructor ran\n"); }
};

void start_parked_goroutines() {
  static gopool::WaitGroup never;  // parked forever
  never.add(1);
  for (int i = 0; i < 10; ++i) {
    gopool::go([] { never.wait(); });
    gopool::go([] {
      for (;;)
        gopool::sleep_for(std::chrono::microseconds(100));
    });
  }
}

// Busy goroutines never reach a switch point: with them on every P, nothing else runs until
// the monitor thread hands their queues elsewhere.
void start_busy_and_parked_goroutines() {
  static gopool::WaitGroup never;  // parked forever
  never.add(1);
  for (int i = 0; i < 10; ++i) {
    gopool::go([] { never.wait(); });
    gopool::go([] {
      for (;;)
        gopool::sleep_for(std::chrono::microseconds(100));
    });
    gopool::go([] {
      volatile unsigned long x = 0;
      for (;;)
        x = x + 1;  // busy, never yields
    });
  }
  gopool::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace

GOPOOL_DEATH_SCENARIO(main_returns_with_goroutines) {
  start_busy_and_parked_goroutines();
  std::printf("main done\n");
}

GOPOOL_DEATH_SCENARIO(exit_from_main_with_goroutines) {
  start_busy_and_parked_goroutines();
  std::printf("calling exit\n");
  std::exit(7);
}

GOPOOL_DEATH_SCENARIO(exit_from_goroutine) {
  start_parked_goroutines();
  gopool::go([] {
    std::printf("goroutine exits\n");
    std::exit(5);
  });
  for (;;)
    gopool::sleep_for(std::chrono::milliseconds(1));
}

GOPOOL_DEATH_SCENARIO(main_returns_quiescent) {
  static PrintsOnDestruction printer;
  gopool::WaitGroup wg;
  wg.add(100);
  for (int i = 0; i < 100; ++i)
    gopool::go([&] { wg.done(); });
  wg.wait();
  // Let the last goroutine finish switching away.
  (void)gopool::test::wait_until([] { return gopool::num_goroutines() == 0; });
  std::printf("main done\n");
}

GOPOOL_DEATH_SCENARIO(escaped_exception) {
  gopool::go([] { throw std::runtime_error("boom from a goroutine"); });
  for (;;)
    gopool::sleep_for(std::chrono::milliseconds(1));
}

TEST_CASE("main returning while goroutines run and wait ends the process cleanly") {
  const auto r = gopool::test::run_death_scenario("main_returns_with_goroutines");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("main done") != std::string::npos);
  CHECK(r.output.find("Sanitizer") == std::string::npos);
}

TEST_CASE("exit() from main while goroutines run keeps its status") {
  const auto r = gopool::test::run_death_scenario("exit_from_main_with_goroutines");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 7);
  CHECK(r.output.find("calling exit") != std::string::npos);
  CHECK(r.output.find("Sanitizer") == std::string::npos);
}

TEST_CASE("exit() from a goroutine ends the process with its status") {
  const auto r = gopool::test::run_death_scenario("exit_from_goroutine");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 5);
  CHECK(r.output.find("Sanitizer") == std::string::npos);
}

TEST_CASE("with every goroutine finished, exit runs static destructors as usual") {
  const auto r = gopool::test::run_death_scenario("main_returns_quiescent");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("static destructor ran") != std::string::npos);
}

TEST_CASE("an exception escaping a goroutine is fatal and names the goroutine and its site") {
  const auto r = gopool::test::run_death_scenario("escaped_exception");
  INFO(r.output);
  CHECK(r.died());
  CHECK(r.output.find("exception escaped a goroutine") != std::string::npos);
  CHECK(r.output.find("boom from a goroutine") != std::string::npos);
  CHECK(r.output.find("exit_test.cpp") != std::string::npos);
}
