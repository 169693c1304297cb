// Pool benchmarks (issue 7): ants' 1M x 10 ms workload, post()/submit() throughput of tiny
// tasks, and 10k x 1 ms. Targets: BM_PoolSleep <= 400 ms, BM_PoolPost >= 10 M tasks/s,
// BM_PoolSubmit >= 1 M tasks/s, BM_PoolSleep1ms <= 50 ms. BM_ThreadPool* run the same tiny-task
// workloads through the usual C++ thread pool (2 threads), so a run carries its own baseline;
// benchmarks/pool_compare.sh adds Go and prints ratios.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <vector>

#include <gopool/future.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include "bench_support.hpp"
#include "thread_pool_baseline.hpp"

namespace {

using gopool::bench::ProcsScope;
using gopool::bench::reset_peak_rss;
using gopool::bench::status_kib;

// Runs `tasks` tasks sleeping `nap` through a pool of `capacity`, posted by one goroutine.
void sleep_workload(benchmark::State& state, long tasks, int capacity,
                    std::chrono::milliseconds nap) {
  gopool::PoolOptions options;
  options.expiry = std::chrono::seconds(10);  // ants' DefaultExpiredTime in its benchmark
  gopool::Pool pool(capacity, options);
  double peak_mib = 0;
  for (auto _ : state) {
    reset_peak_rss();
    gopool::WaitGroup wg;
    wg.add(tasks);
    gopool::go([&] {
      for (long i = 0; i < tasks; ++i) {
        if ((i & 1023) == 1023) {
          gopool::yield();  // a switch point now and then (no preemption in C++)
        }
        if (pool.post([&] {
              gopool::sleep_for(nap);
              wg.done();
            })) {
          std::abort();
        }
      }
    });
    wg.wait();
    peak_mib = std::max(peak_mib, status_kib("VmHWM") / 1024.0);
  }
  state.counters["peak_rss_MiB"] = peak_mib;
  state.counters["workers"] = static_cast<double>(pool.stats().workers_started);
  state.SetItemsProcessed(state.iterations() * tasks);
}

// BM_PoolSleep: ants' benchmark: 1 000 000 tasks x sleep 10 ms, capacity 50 000.
void BM_PoolSleep(benchmark::State& state) {
  sleep_workload(state, 1'000'000, 50'000, std::chrono::milliseconds(10));
}
BENCHMARK(BM_PoolSleep)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// BM_PoolSleep1ms: 10 000 tasks x sleep 1 ms, capacity 10 000.
void BM_PoolSleep1ms(benchmark::State& state) {
  sleep_workload(state, 10'000, 10'000, std::chrono::milliseconds(1));
}
BENCHMARK(BM_PoolSleep1ms)->Unit(benchmark::kMillisecond)->UseRealTime();

// Posts one empty task per iteration with post(f) (which returns true when the task was
// refused), waiting for the pool with wait() after every batch of 10 000, so the time includes
// running them.
template <class Post, class Wait>
void post_workload(benchmark::State& state, Post&& post, Wait&& wait) {
  constexpr int kBatch = 10'000;
  int in_batch = 0;
  for (auto _ : state) {
    if (post()) {
      state.SkipWithError("post failed");
      break;
    }
    if (++in_batch == kBatch) {
      in_batch = 0;
      wait();
    }
  }
  wait();
  state.SetItemsProcessed(state.iterations());
}

// Submits one task returning 1 per iteration with submit(), getting every future (in batches
// of 1000).
template <class Submit>
void submit_workload(benchmark::State& state, Submit&& submit) {
  constexpr std::size_t kBatch = 1000;
  std::vector<decltype(submit())> futures;
  futures.reserve(kBatch);
  long sum = 0;
  const auto get_all = [&] {
    for (auto& f : futures) {
      sum += f.get();
    }
    futures.clear();
  };
  for (auto _ : state) {
    futures.push_back(submit());
    if (futures.size() == kBatch) {
      get_all();
    }
  }
  get_all();
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}

// BM_PoolPost: post() of empty tasks from one OS thread into 2 Ps, capacity 10 000.
void BM_PoolPost(benchmark::State& state) {
  ProcsScope procs(2);
  gopool::Pool pool(10'000);
  post_workload(
      state, [&] { return static_cast<bool>(pool.post([] {})); }, [&] { pool.wait(); });
  state.counters["workers"] = static_cast<double>(pool.stats().workers_started);
}
BENCHMARK(BM_PoolPost)->UseRealTime()->MinTime(0.5);

// BM_PoolPostFromGoroutine: as BM_PoolPost, but the poster is a goroutine on one of the 2 Ps,
// so hand-offs to workers on its own P stay on one core. Each iteration posts a batch.
void BM_PoolPostFromGoroutine(benchmark::State& state) {
  ProcsScope procs(2);
  gopool::Pool pool(10'000);
  constexpr int kBatch = 10'000;
  for (auto _ : state) {
    gopool::WaitGroup wg;
    wg.add(1);
    gopool::go([&] {
      for (int i = 0; i < kBatch; ++i) {
        if ((i & 1023) == 1023) {
          gopool::yield();
        }
        if (pool.post([] {})) {
          std::abort();
        }
      }
      pool.wait();
      wg.done();
    });
    wg.wait();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["workers"] = static_cast<double>(pool.stats().workers_started);
}
BENCHMARK(BM_PoolPostFromGoroutine)->UseRealTime()->MinTime(0.5);

// BM_PoolFull/callers: a pool of 4 that is always full: `callers` goroutines at 2 Ps post tiny
// tasks, each post blocking until a worker comes free (ants' benchmark shape, with tasks that
// take about as long as the hand-off). Each iteration posts a batch and waits for the pool.
void BM_PoolFull(benchmark::State& state) {
  ProcsScope procs(2);
  gopool::Pool pool(4);
  const auto callers = static_cast<int>(state.range(0));
  constexpr int kBatch = 10'000;
  alignas(64) std::atomic<long> ran{0};
  for (auto _ : state) {
    gopool::WaitGroup wg;
    wg.add(callers);
    for (int c = 0; c < callers; ++c) {
      gopool::go([&] {
        for (int i = 0; i < kBatch / callers; ++i) {
          if (pool.post([&ran] { ran.fetch_add(1, std::memory_order_relaxed); })) {
            std::abort();
          }
        }
        wg.done();
      });
    }
    wg.wait();
    pool.wait();
  }
  if (ran.load() != static_cast<long>(state.iterations()) * (kBatch / callers) * callers) {
    state.SkipWithError("a task was lost");
  }
  state.SetItemsProcessed(state.iterations() * (kBatch / callers) * callers);
}
BENCHMARK(BM_PoolFull)->Arg(1)->Arg(4)->ArgName("callers")->UseRealTime()->MinTime(0.5);

// BM_PoolSubmit: submit() of tiny tasks with futures from one OS thread into 2 Ps; every future
// is got (in batches of 1000).
void BM_PoolSubmit(benchmark::State& state) {
  ProcsScope procs(2);
  gopool::Pool pool(10'000);
  submit_workload(state, [&] { return pool.submit([] { return 1; }); });
}
BENCHMARK(BM_PoolSubmit)->UseRealTime()->MinTime(0.5);

// BM_ThreadPoolPost: BM_PoolPost's workload through the usual C++ thread pool with 2 threads.
void BM_ThreadPoolPost(benchmark::State& state) {
  gopool::bench::ThreadPoolBaseline pool(2);
  post_workload(
      state,
      [&] {
        pool.post([] {});
        return false;
      },
      [&] { pool.wait(); });
}
BENCHMARK(BM_ThreadPoolPost)->UseRealTime()->MinTime(0.5);

// BM_ThreadPoolSubmit: BM_PoolSubmit's workload (std::future) through the usual C++ thread pool.
void BM_ThreadPoolSubmit(benchmark::State& state) {
  gopool::bench::ThreadPoolBaseline pool(2);
  submit_workload(state, [&] { return pool.submit([] { return 1; }); });
}
BENCHMARK(BM_ThreadPoolSubmit)->UseRealTime()->MinTime(0.5);

}  // namespace
