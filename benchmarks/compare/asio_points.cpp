// compare_asio: standalone asio's side of the comparison program
// (benchmarks/compare/compare.py), through asio::thread_pool:
//   post_outside  empty handlers posted from the main thread to a pool of 2 threads, the main
//                 thread sleeping on a compare::BatchLatch per batch;
//   submit        a std::packaged_task returning 1 posted the same way, every future got;
//   sleep1ms      n handlers each sleeping 1 ms on a pool of 64 threads (a thread pool sleeps
//                 by blocking a thread, so it needs many).
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>

#include <cstdlib>
#include <future>
#include <thread>
#include <vector>

#include "point.hpp"

namespace {

using compare::Figure;
using compare::Stopwatch;

constexpr const char* kSystem = "asio";
constexpr long kPostBatch = 10'000;
constexpr long kSubmitBatch = 1'000;

// Posts n copies of make(latch) in batches, waiting on each batch's latch.
template <class Make>
double post_batches(asio::thread_pool& pool, long n, long batch_size, Make&& make) {
  static compare::BatchLatch all;  // outlives the last task's count_down
  const Stopwatch t;
  for (long done = 0; done < n;) {
    const long batch = std::min(batch_size, n - done);
    all.arm(batch);
    for (long i = 0; i < batch; ++i) {
      asio::post(pool, make(all));
    }
    all.wait();
    done += batch;
  }
  return t.seconds();
}

Figure post_outside(asio::thread_pool& pool, long n) {
  const double s = post_batches(
      pool, n, kPostBatch, [](compare::BatchLatch& all) { return [&all] { all.count_down(); }; });
  return compare::millions_per_second(s, static_cast<double>(n));
}

Figure sleep1ms(asio::thread_pool& pool, long n) {
  const double s = post_batches(pool, n, n, [](compare::BatchLatch& all) {
    return [&all] {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      all.count_down();
    };
  });
  return compare::milliseconds(s);
}

Figure submit(asio::thread_pool& pool, long n) {
  return compare::submit_in_batches(n, kSubmitBatch, [&] {
    std::packaged_task<int()> task([] { return 1; });
    std::future<int> f = task.get_future();
    asio::post(pool, std::move(task));
    return f;
  });
}

}  // namespace

int main(int argc, char** argv) {
  const auto a = compare::parse_args(argc, argv, "post_outside submit sleep1ms");
  const std::string& w = a.workload;
  if (w == "post_outside" || w == "submit") {
    asio::thread_pool pool(2);
    const auto body = w == "submit" ? submit : post_outside;
    const int rc = compare::run_point(kSystem, a, [&](long n) { return body(pool, n); });
    pool.join();
    return rc;
  }
  if (w == "sleep1ms") {
    asio::thread_pool pool(64);
    const int rc = compare::run_point(kSystem, a, [&](long n) { return sleep1ms(pool, n); });
    pool.join();
    return rc;
  }
  compare::unknown_workload(a, kSystem);
}
