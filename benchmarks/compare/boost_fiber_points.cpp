// compare_boost_fiber: boost.fiber's side of the comparison program
// (benchmarks/compare/compare.py). On 1 thread (round_robin): yield, unbuffered ping-pong and
// the prime sieve. On 2 threads sharing one ready queue (shared_work, the main thread and one
// helper): empty fibers launched from the main fiber and awaited in batches, and 10 000 fibers
// each sleeping 1 ms. Every fiber gets its stack from a cache (CachedStack), as gopool and Go
// reuse theirs: boost's default allocator mallocs each stack, and freeing it on the other
// thread unmaps it, a cross-CPU TLB shootdown per fiber that would dwarf the scheduler.
#include <boost/context/stack_context.hpp>
#include <boost/fiber/all.hpp>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "point.hpp"

namespace {

namespace fibers = boost::fibers;
using compare::Figure;
using compare::Stopwatch;

constexpr const char* kSystem = "boost.fiber";
constexpr long kPostBatch = 10'000;
constexpr std::size_t kStackSize = 64 * 1024;  // gopool's default stack size

// CachedStack: a boost.fiber stack allocator keeping freed stacks of kStackSize in a
// process-wide list under a mutex; either thread may free what the other allocated.
class CachedStack {
 public:
  boost::context::stack_context allocate() {
    void* base = nullptr;
    {
      const std::lock_guard<std::mutex> lock(cache().mutex);
      if (!cache().free.empty()) {
        base = cache().free.back();
        cache().free.pop_back();
      }
    }
    if (base == nullptr) {
      base = std::malloc(kStackSize);
      if (base == nullptr) {
        throw std::bad_alloc();
      }
    }
    boost::context::stack_context sctx;
    sctx.size = kStackSize;
    sctx.sp = static_cast<char*>(base) + kStackSize;
    return sctx;
  }
  void deallocate(boost::context::stack_context& sctx) noexcept {
    void* base = static_cast<char*>(sctx.sp) - sctx.size;
    const std::lock_guard<std::mutex> lock(cache().mutex);
    cache().free.push_back(base);  // kept until exit: the cache only grows to the peak
  }

 private:
  struct Cache {
    std::mutex mutex;
    std::vector<void*> free;
  };
  static Cache& cache() {
    static Cache* c = new Cache;  // never destroyed: fibers may finish during static teardown
    return *c;
  }
};

// spawn: a fiber running f on a cached stack.
template <class F>
fibers::fiber spawn(F&& f) {
  return fibers::fiber(std::allocator_arg, CachedStack{}, std::forward<F>(f));
}

// Two fibers on the main thread yielding to each other; ns per switch (two per iteration).
Figure yield(long n) {
  std::atomic<bool> stop{false};
  fibers::fiber partner = spawn([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      boost::this_fiber::yield();
    }
  });
  boost::this_fiber::yield();  // let the partner start
  const Stopwatch t;
  for (long i = 0; i < n; ++i) {
    boost::this_fiber::yield();
  }
  const double s = t.seconds();
  stop = true;
  partner.join();
  return compare::per_item_ns(s, 2.0 * static_cast<double>(n));
}

// Unbuffered round trips between two fibers on the main thread; ns per round trip.
Figure ping_pong(long n) {
  fibers::unbuffered_channel<long> ping;
  fibers::unbuffered_channel<long> pong;
  fibers::fiber partner = spawn([&] {
    long v = 0;
    while (ping.pop(v) == fibers::channel_op_status::success) {
      pong.push(v);
    }
  });
  const Stopwatch t;
  long sum = 0;
  for (long i = 0; i < n; ++i) {
    ping.push(i);
    long v = 0;
    if (pong.pop(v) != fibers::channel_op_status::success) {
      std::abort();
    }
    sum += v;
  }
  const double s = t.seconds();
  ping.close();
  partner.join();
  if (sum != n * (n - 1) / 2) {
    std::abort();
  }
  return compare::per_item_ns(s, static_cast<double>(n));
}

// The concurrent prime sieve up to the n-th prime, on 1 thread. boost.fiber has no select, so
// the chain shuts down from its end instead of from the generator: the main fiber closes the
// last channel, and every stage whose push finds its output closed closes its own input.
int sieve(long n) {
  using Chan = fibers::unbuffered_channel<int>;
  std::vector<std::unique_ptr<Chan>> chans;
  std::vector<fibers::fiber> stages;
  chans.push_back(std::make_unique<Chan>());
  stages.push_back(spawn([out = chans.back().get()] {
    for (int i = 2;; ++i) {
      if (out->push(i) != fibers::channel_op_status::success) {
        break;
      }
    }
  }));
  int prime = 0;
  for (long k = 0; k < n; ++k) {
    Chan* in = chans.back().get();
    if (in->pop(prime) != fibers::channel_op_status::success) {
      std::abort();
    }
    chans.push_back(std::make_unique<Chan>());
    stages.push_back(spawn([in, out = chans.back().get(), p = prime] {
      int v = 0;
      while (in->pop(v) == fibers::channel_op_status::success) {
        if (v % p != 0 && out->push(v) != fibers::channel_op_status::success) {
          break;
        }
      }
      in->close();
    }));
  }
  chans.back()->close();
  for (auto& f : stages) {
    f.join();
  }
  return prime;
}

Figure prime_sieve(long n) {
  const Stopwatch t;
  const int p = sieve(n);
  const double s = t.seconds();
  if (n == 5000 && p != 48611) {
    std::abort();
  }
  return compare::milliseconds(s);
}

// TwoThreads: the main thread and one helper thread sharing one ready queue (shared_work), each
// sleeping when it has nothing to run (as gopool's idle Ms park); the helper runs fibers until
// the object is destroyed.
class TwoThreads {
 public:
  TwoThreads() {
    fibers::use_scheduling_algorithm<fibers::algo::shared_work>(true);
    helper_ = std::thread([this] {
      fibers::use_scheduling_algorithm<fibers::algo::shared_work>(true);
      std::unique_lock<fibers::mutex> lock(mutex_);
      done_cv_.wait(lock, [this] { return done_; });
    });
  }
  ~TwoThreads() {
    {
      std::unique_lock<fibers::mutex> lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    helper_.join();
  }
  TwoThreads(const TwoThreads&) = delete;
  TwoThreads& operator=(const TwoThreads&) = delete;

 private:
  fibers::mutex mutex_;
  fibers::condition_variable done_cv_;
  bool done_ = false;
  std::thread helper_;
};

// FiberLatch: the main fiber waits for a batch of fibers: each counts down, the last one wakes
// the main fiber through a fiber condition variable. Waiting blocks the main fiber, so its
// thread runs the batch meanwhile (a yield loop would not: shared_work prefers the thread's
// own pinned main fiber to the shared queue).
class FiberLatch {
 public:
  void arm(long count) { remaining_.store(count, std::memory_order_relaxed); }
  void count_down() {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      const std::unique_lock<fibers::mutex> lock(mutex_);
      zero_.notify_all();
    }
  }
  void wait() {
    std::unique_lock<fibers::mutex> lock(mutex_);
    zero_.wait(lock, [this] { return remaining_.load(std::memory_order_acquire) == 0; });
  }

 private:
  std::atomic<long> remaining_{0};
  fibers::mutex mutex_;
  fibers::condition_variable zero_;
};

// n empty fibers launched (detached) by the main fiber, awaited after every batch; M tasks/s.
Figure post_inside(long n) {
  static FiberLatch all;  // outlives the last fiber's count_down
  const Stopwatch t;
  for (long done = 0; done < n;) {
    const long batch = std::min(kPostBatch, n - done);
    all.arm(batch);
    for (long i = 0; i < batch; ++i) {
      spawn([] { all.count_down(); }).detach();
    }
    all.wait();
    done += batch;
  }
  return compare::millions_per_second(t.seconds(), static_cast<double>(n));
}

// n fibers each sleeping 1 ms, all joined; ms.
Figure sleep1ms(long n) {
  std::vector<fibers::fiber> all;
  all.reserve(static_cast<std::size_t>(n));
  const Stopwatch t;
  for (long i = 0; i < n; ++i) {
    all.push_back(spawn([] { boost::this_fiber::sleep_for(std::chrono::milliseconds(1)); }));
  }
  for (auto& f : all) {
    f.join();
  }
  return compare::milliseconds(t.seconds());
}

}  // namespace

int main(int argc, char** argv) {
  const auto a = compare::parse_args(argc, argv, "yield pingpong sieve post_inside sleep1ms");
  const std::string& w = a.workload;
  if (w == "yield") return compare::run_point(kSystem, a, yield);
  if (w == "pingpong") return compare::run_point(kSystem, a, ping_pong);
  if (w == "sieve") return compare::run_point(kSystem, a, prime_sieve);
  if (w == "post_inside") {
    const TwoThreads threads;
    return compare::run_point(kSystem, a, post_inside);
  }
  if (w == "sleep1ms") {
    const TwoThreads threads;
    return compare::run_point(kSystem, a, sleep1ms);
  }
  compare::unknown_workload(a, kSystem);
}
