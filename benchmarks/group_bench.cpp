// TaskGroup benchmark: BM_TaskGroupFanOut, 100 000 tiny tasks through a TaskGroup limited to
// 1000 at once, posted by one goroutine at 2 Ps: the same workload as benchmarks/go/errgroup
// (x/sync's errgroup with SetLimit(1000)), which prints the Go figure to compare with.
#include <benchmark/benchmark.h>

#include <atomic>
#include <system_error>

#include <gopool/context.hpp>
#include <gopool/pool.hpp>
#include <gopool/task_group.hpp>

#include "bench_support.hpp"

namespace {

// BM_TaskGroupFanOut/tasks/limit: one iteration posts `tasks` tasks that each bump a counter
// (returning the context's error if the group were cancelled, as the Go program does) and
// waits for the group. The pool is unbounded, as goroutines are: the group's limit is the
// only cap.
void BM_TaskGroupFanOut(benchmark::State& state) {
  const auto tasks = static_cast<long>(state.range(0));
  const auto limit = static_cast<int>(state.range(1));
  gopool::Pool pool(0);
  // On a line of its own: the workers write it on every task, and beside the pool's handle (which
  // the poster reads on every go()) it made each go() wait for that line, doubling the figure.
  alignas(64) std::atomic<long> sum{0};
  for (auto _ : state) {
    sum = 0;
    std::error_code first;
    gopool::bench::run_on_goroutine(2, [&] {
      gopool::TaskGroup g(pool);
      g.set_limit(limit);
      for (long i = 0; i < tasks; ++i) {
        g.go([&sum](const gopool::Context& ctx) {
          if (std::error_code done = ctx.err()) return done;
          sum.fetch_add(1, std::memory_order_relaxed);
          return std::error_code{};
        });
      }
      first = g.wait();
    });
    if (first || sum.load() != tasks) {
      state.SkipWithError("a task was lost or failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * tasks);
  state.counters["workers"] = static_cast<double>(pool.stats().workers_started);
}
BENCHMARK(BM_TaskGroupFanOut)
    ->Args({100'000, 1'000})
    ->Args({100'000, -1})
    ->ArgNames({"tasks", "limit"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
