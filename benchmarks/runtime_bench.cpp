// Runtime benchmarks: switch, spawn + join, thread spawn for scale, memory per parked goroutine,
// and the CPU cost of one sleep with many sleepers.
#include <benchmark/benchmark.h>

#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include <gopool/detail/tuning.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include "bench_support.hpp"
#include "runtime/context_switch.hpp"

namespace {

using gopool::bench::run_on_goroutine;

void BM_Yield(benchmark::State& state) {
  run_on_goroutine(1, [&] {
    std::atomic<bool> stop{false};
    gopool::WaitGroup partner;
    partner.add(1);
    gopool::go([&] {
      while (!stop.load(std::memory_order_relaxed))
        gopool::yield();
      partner.done();
    });
    gopool::yield();  // let the partner start
    for (auto _ : state)
      gopool::yield();
    stop.store(true);
    partner.wait();
  });
  // Each iteration is two switches: to the partner and back.
  state.counters["per_switch"] =
      benchmark::Counter(2.0 * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Yield)->UseRealTime();

void spawn_join_loop(benchmark::State& state) {
  gopool::WaitGroup wg;
  std::int64_t i = 0;
  for (auto _ : state) {
    wg.add(1);
    gopool::go([&wg] { wg.done(); });
    if (++i % 128 == 0) wg.wait();
  }
  wg.wait();
}

void BM_SpawnJoin(benchmark::State& state) {
  run_on_goroutine(1, [&] { spawn_join_loop(state); });
}
BENCHMARK(BM_SpawnJoin)->UseRealTime();

void BM_SpawnJoinNoRecycle(benchmark::State& state) {
  gopool::detail::set_recycle(false);
  run_on_goroutine(1, [&] { spawn_join_loop(state); });
  gopool::detail::set_recycle(true);
}
BENCHMARK(BM_SpawnJoinNoRecycle)->UseRealTime();

void BM_SpawnJoinForeign(benchmark::State& state) {
  const int old = gopool::set_procs(2);
  spawn_join_loop(state);  // the benchmark's own thread is a foreign thread
  gopool::set_procs(old);
}
BENCHMARK(BM_SpawnJoinForeign)->UseRealTime();

void BM_ThreadSpawnJoin(benchmark::State& state) {
  for (auto _ : state)
    std::thread([] {}).join();
}
BENCHMARK(BM_ThreadSpawnJoin)->UseRealTime();

// Resident memory plus page tables, in bytes (VmRSS + VmPTE from /proc/self/status).
std::int64_t resident_bytes() {
  using gopool::bench::status_kib;
  return static_cast<std::int64_t>(status_kib("VmRSS") + status_kib("VmPTE")) * 1024;
}

void BM_ParkedMemory(benchmark::State& state) {
  const auto n = state.range(0);
  for (auto _ : state) {
    gopool::WaitGroup parked;
    gopool::WaitGroup release;
    gopool::WaitGroup finished;
    release.add(1);
    const std::int64_t before = resident_bytes();
    parked.add(n);
    finished.add(n);
    for (std::int64_t i = 0; i < n; ++i) {
      gopool::go([&] {
        parked.done();
        release.wait();
        finished.done();
      });
    }
    parked.wait();
    // Let the last ones reach their park.
    while (gopool::num_goroutines() > 0 && release.count() == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      break;
    }
    const std::int64_t after = resident_bytes();
    state.counters["bytes_per_goroutine"] =
        static_cast<double>(after - before) / static_cast<double>(n);
    release.done();
    finished.wait();
  }
}
BENCHMARK(BM_ParkedMemory)
    ->Arg(100000)
    ->Arg(1000000)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

// While one goroutine sits in blocking(sleep 50 ms) on procs = 1, how much do the others get
// done? Reported as yields per second by the others during the blocking call.
void BM_BlockingHandoff(benchmark::State& state) {
  const int old = gopool::set_procs(1);
  for (auto _ : state) {
    std::atomic<bool> blocked_done{false};
    std::atomic<std::int64_t> yields{0};
    gopool::WaitGroup wg;
    wg.add(2);
    gopool::go([&] {
      gopool::blocking([] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); });
      blocked_done = true;
      wg.done();
    });
    gopool::go([&] {
      while (!blocked_done.load(std::memory_order_relaxed)) {
        gopool::yield();
        yields.fetch_add(1, std::memory_order_relaxed);
      }
      wg.done();
    });
    wg.wait();
    state.counters["other_yields_per_s"] = benchmark::Counter(
        static_cast<double>(yields.load()), benchmark::Counter::kIsIterationInvariantRate);
  }
  gopool::set_procs(old);
}
BENCHMARK(BM_BlockingHandoff)->Iterations(5)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

// The floor under BM_Yield on this machine: the bare register switch between two contexts,
// with no scheduler around it. Each iteration is two switches.
gopool::detail::Context g_raw_main;
gopool::detail::Context g_raw_other;

[[noreturn]] void raw_switch_entry(void*) {
  for (;;)
    gopool::detail::raw_switch(&g_raw_other.sp, g_raw_main.sp);
}

void BM_RawSwitch(benchmark::State& state) {
  static std::vector<char> stack(64 * 1024);
  gopool::detail::make_context(&g_raw_other, stack.data(), stack.data() + stack.size(),
                               &raw_switch_entry, nullptr);
  for (auto _ : state)
    gopool::detail::raw_switch(&g_raw_main.sp, g_raw_other.sp);
  state.counters["per_switch"] =
      benchmark::Counter(2.0 * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RawSwitch)->UseRealTime();

}  // namespace

namespace {

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The runtime's floor under BM_PoolSleep: n goroutines, started once, each sleeping 10 ms in a
// loop, no pool around them. Over a 500 ms window, after a 200 ms warm-up, it reports the
// process CPU per sleep (timer, park, wake-up, two switches) and the sleeps per second against
// the n * 100 an unloaded machine would do. A pool running 10 ms tasks with n of them in flight
// spends at least this much CPU per task. benchmarks/go/runtime (-sleepers) measures the same
// in Go.
void BM_SleepCycle(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::vector<std::atomic<int>> slept(static_cast<std::size_t>(n));  // one each: no shared line
    const auto total = [&] {
      long sum = 0;
      for (const auto& c : slept)
        sum += c.load(std::memory_order_relaxed);
      return sum;
    };
    std::atomic<bool> stop{false};
    gopool::WaitGroup finished;
    finished.add(n);
    for (int i = 0; i < n; ++i) {
      gopool::go([&, i] {
        auto& mine = slept[static_cast<std::size_t>(i)];
        while (!stop.load(std::memory_order_relaxed)) {
          gopool::sleep_for(std::chrono::milliseconds(10));
          mine.store(mine.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        }
        finished.done();
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const long before = total();
    const double cpu_before = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto sleeps = static_cast<double>(total() - before);
    const double cpu = process_cpu_seconds() - cpu_before;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    stop.store(true, std::memory_order_relaxed);
    finished.wait();
    state.counters["cpu_ns_per_sleep"] = cpu * 1e9 / sleeps;
    state.counters["sleeps_per_s"] = sleeps / secs;
    state.counters["ideal_sleeps_per_s"] = 100.0 * n;
  }
}
BENCHMARK(BM_SleepCycle)
    ->Arg(10000)
    ->Arg(25000)
    ->Arg(50000)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
