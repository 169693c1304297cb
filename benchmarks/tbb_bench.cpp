// oneTBB, for side-by-side figures with BM_PoolPost (built only when Debian's libtbb-dev is
// installed; benchmarks/compare runs oneTBB one process per point). Two workers take empty tasks
// from one outside thread, as gopool's 2 Ps do in BM_PoolPost:
// BM_TbbArenaEnqueue: task_arena::enqueue() from the outside thread (fire and forget, TBB's
//   nearest to post()), waiting for the tasks after every batch of 10 000.
// BM_TbbTaskGroupRun: task_group::run() from inside the arena, the outside thread joining as a
//   third worker while it waits (work stealing, no hand-off: not the pool's semantics, the
//   figure TBB is usually quoted with).
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <atomic>

#include <benchmark/benchmark.h>

namespace {

constexpr long kBatch = 10'000;

// Lets TBB start 2 workers besides the outside thread (by default it allows cores - 1).
tbb::global_control& allow_two_workers() {
  static tbb::global_control control(tbb::global_control::max_allowed_parallelism, 3);
  return control;
}

void BM_TbbArenaEnqueue(benchmark::State& state) {
  allow_two_workers();
  tbb::task_arena arena(2, 0);  // two slots, none reserved for the outside thread
  std::atomic<long> done{0};
  long posted = 0;
  const auto wait_all = [&] {
    while (done.load(std::memory_order_acquire) != posted) {
    }
  };
  for (auto _ : state) {
    arena.enqueue([&done] { done.fetch_add(1, std::memory_order_release); });
    if (++posted % kBatch == 0) {
      wait_all();
    }
  }
  wait_all();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TbbArenaEnqueue)->UseRealTime()->MinTime(0.5);

void BM_TbbTaskGroupRun(benchmark::State& state) {
  allow_two_workers();
  tbb::task_arena arena(3, 1);
  for (auto _ : state) {
    arena.execute([] {
      tbb::task_group group;
      for (long i = 0; i < kBatch; ++i) {
        group.run([] {});
      }
      group.wait();
    });
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_TbbTaskGroupRun)->UseRealTime()->MinTime(0.5);

}  // namespace
