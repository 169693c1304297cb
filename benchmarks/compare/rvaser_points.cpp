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
  std::vector<std::future<int>> futures;
  futures.reserve(kSubmitBatch);
  long sum = 0;
  const auto get_all = [&] {
    for (auto& f : futures) {
      sum += f.get();
    }
    futures.clear();
  };
  const Stopwatch t;
  for (long i = 0; i < n; ++i) {
    futures.push_back(pool.Submit([] { return 1; }));
    if (static_cast<long>(futures.size()) == kSubmitBatch) {
      get_all();
    }
  }
  get_all();
  const double s = t.seconds();
  if (sum != n) {
    std::abort();
  }
  return compare::millions_per_second(s, static_cast<double>(n));
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
