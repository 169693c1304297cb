// compare_rvaser: the side of rvaser's thread_pool (Debian's libthread-pool-dev) in the
// comparison program (benchmarks/compare/compare.py), with 2 threads. Its one verb is Submit,
// which always makes a future:
//   post_outside  empty tasks submitted from the main thread, their futures dropped, the main
//                 thread sleeping on a compare::BatchLatch per batch;
//   submit        tasks returning 1, every future got.
#include <thread_pool/thread_pool.hpp>

#include <cstdlib>
#include <future>
#include <vector>

#include "point.hpp"

namespace {

using compare::Figure;
using compare::Stopwatch;

constexpr const char* kSystem = "rvaser";
constexpr long kPostBatch = 10'000;
constexpr long kSubmitBatch = 1'000;

Figure post_outside(thread_pool::ThreadPool& pool, long n) {
  static compare::BatchLatch all;  // outlives the last task's count_down
  const Stopwatch t;
  for (long done = 0; done < n;) {
    const long batch = std::min(kPostBatch, n - done);
    all.arm(batch);
    for (long i = 0; i < batch; ++i) {
      (void)pool.Submit([] { all.count_down(); });
    }
    all.wait();
    done += batch;
  }
  return compare::millions_per_second(t.seconds(), static_cast<double>(n));
}

Figure submit(thread_pool::ThreadPool& pool, long n) {
  return compare::submit_in_batches(n, kSubmitBatch, [&] { return pool.Submit([] { return 1; }); });
}

}  // namespace

int main(int argc, char** argv) {
  const auto a = compare::parse_args(argc, argv, "post_outside submit");
  const std::string& w = a.workload;
  if (w == "post_outside" || w == "submit") {
    thread_pool::ThreadPool pool(2);
    const auto body = w == "submit" ? submit : post_outside;
    return compare::run_point(kSystem, a, [&](long n) { return body(pool, n); });
  }
  compare::unknown_workload(a, "rvaser");
}
