// compare_tbb: oneTBB's side of the comparison program (benchmarks/compare/compare.py), with
// 2 threads as gopool's 2 Ps:
//   post_inside   task_group::run of empty tasks from inside an arena of 2 slots (the main
//                 thread and one worker), task_group::wait after every batch: work stealing
//                 from the poster's own deque, the figure oneTBB is usually quoted with;
//   post_outside  task_arena::enqueue from the main thread into an arena served by 2 workers,
//                 the main thread sleeping on a compare::BatchLatch per batch;
//   submit        a std::packaged_task returning 1 enqueued the same way, every future got.
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <cstdlib>
#include <future>
#include <memory>
#include <vector>

#include "point.hpp"

namespace {

using compare::Figure;
using compare::Stopwatch;

constexpr const char* kSystem = "oneTBB";
constexpr long kPostBatch = 10'000;
constexpr long kSubmitBatch = 1'000;

Figure post_inside(tbb::task_arena& arena, long n) {
  const Stopwatch t;
  arena.execute([n] {
    tbb::task_group group;
    for (long i = 0; i < n; ++i) {
      group.run([] {});
      if ((i + 1) % kPostBatch == 0) {
        group.wait();
      }
    }
    group.wait();
  });
  return compare::millions_per_second(t.seconds(), static_cast<double>(n));
}

Figure post_outside(tbb::task_arena& arena, long n) {
  static compare::BatchLatch all;  // outlives the last task's count_down
  const Stopwatch t;
  for (long done = 0; done < n;) {
    const long batch = std::min(kPostBatch, n - done);
    all.arm(batch);
    for (long i = 0; i < batch; ++i) {
      arena.enqueue([] { all.count_down(); });
    }
    all.wait();
    done += batch;
  }
  return compare::millions_per_second(t.seconds(), static_cast<double>(n));
}

Figure submit(tbb::task_arena& arena, long n) {
  return compare::submit_in_batches(n, kSubmitBatch, [&] {
    // enqueue calls its functor as const and copies it: the task goes behind a shared_ptr.
    auto task = std::make_shared<std::packaged_task<int()>>([] { return 1; });
    std::future<int> f = task->get_future();
    arena.enqueue([task] { (*task)(); });
    return f;
  });
}

}  // namespace

int main(int argc, char** argv) {
  const auto a = compare::parse_args(argc, argv, "post_inside post_outside submit");
  // Two workers besides the main thread may run (by default oneTBB allows cores - 1 workers).
  const tbb::global_control control(tbb::global_control::max_allowed_parallelism, 3);
  const std::string& w = a.workload;
  if (w == "post_inside") {
    tbb::task_arena arena(2, 1);  // the main thread and one worker
    return compare::run_point(kSystem, a, [&](long n) { return post_inside(arena, n); });
  }
  if (w == "post_outside" || w == "submit") {
    tbb::task_arena arena(2, 0);  // two workers, no slot for the main thread
    const auto body = w == "submit" ? submit : post_outside;
    return compare::run_point(kSystem, a, [&](long n) { return body(arena, n); });
  }
  compare::unknown_workload(a, kSystem);
}
