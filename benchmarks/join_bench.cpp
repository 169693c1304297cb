// JoinSet and combinator benchmarks: fan-out of tiny tasks collected with JoinSet::next()
// (benchmarks/go/joinset does the same with goroutines and a channel), when_all over ready
// futures, and the standard library's futures waited in a loop as the peer of the latter.
// Each takes the number of tasks or futures as its argument.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <future>
#include <optional>
#include <vector>

#include <gopool/future.hpp>
#include <gopool/join_set.hpp>
#include <gopool/pool.hpp>
#include <gopool/when_all.hpp>

#include "bench_support.hpp"

namespace {

// BM_JoinSetFanOut: n tiny tasks spawned into a JoinSet on a pool, all collected with next(),
// from a goroutine at 2 Ps (as BM_PoolSubmit).
void BM_JoinSetFanOut(benchmark::State& state) {
  const long n = state.range(0);
  gopool::Pool pool(10000);
  for (auto _ : state) {
    gopool::bench::run_on_goroutine(2, [&] {
      gopool::JoinSet<long> set(pool);
      for (long i = 0; i < n; ++i) {
        set.spawn([i] { return i; });
      }
      long sum = 0;
      while (std::optional<long> v = set.next()) {
        sum += *v;
      }
      if (sum != n * (n - 1) / 2) {
        std::abort();
      }
    });
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_JoinSetFanOut)->Arg(100000)->UseRealTime()->Unit(benchmark::kMillisecond);

// BM_WhenAllReady: when_all over n ready futures, then get(): the combinator's own cost.
void BM_WhenAllReady(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) {
    std::vector<gopool::Future<int>> fs;
    fs.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) {
      fs.push_back(gopool::make_ready_future(1));
    }
    std::vector<int> all = gopool::when_all(std::move(fs)).get();
    benchmark::DoNotOptimize(all.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_WhenAllReady)->Arg(100000)->Unit(benchmark::kMillisecond);

// BM_StdFutureLoop: the peer of BM_WhenAllReady: n ready std::futures, each waited for in a
// loop.
void BM_StdFutureLoop(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) {
    std::vector<std::future<int>> fs;
    fs.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) {
      std::promise<int> p;
      fs.push_back(p.get_future());
      p.set_value(1);
    }
    std::vector<int> all;
    all.reserve(static_cast<std::size_t>(n));
    for (auto& f : fs) {
      all.push_back(f.get());
    }
    benchmark::DoNotOptimize(all.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_StdFutureLoop)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
