// compare_gopool: gopool's side of the comparison program (benchmarks/compare/compare.py), one
// workload per process. The raw context switch is not here: the driver takes it from
// gopool_bench's BM_RawSwitch, which reaches below the public API.
#include <cstdlib>
#include <variant>
#include <vector>

#include <gopool/chan.hpp>
#include <gopool/future.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/select.hpp>
#include <gopool/wait_group.hpp>

#include "point.hpp"

namespace {

using compare::Figure;
using compare::Stopwatch;

constexpr const char* kSystem = "gopool";
constexpr long kPostBatch = 10'000;   // tasks posted between two waits for all of them
constexpr long kSubmitBatch = 1'000;  // futures got together

// on_goroutine: runs body on a goroutine with the runtime at `procs` Ps; the main thread waits.
template <class F>
Figure on_goroutine(int procs, F&& body) {
  const int old = gopool::set_procs(procs);
  Figure f;
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    f = body();
    wg.done();
  });
  wg.wait();
  gopool::set_procs(old);
  return f;
}

// Two goroutines on 1 P yielding to each other; ns per switch (two per iteration).
Figure yield(long n) {
  return on_goroutine(1, [n] {
    std::atomic<bool> stop{false};
    gopool::WaitGroup partner;
    partner.add(1);
    gopool::go([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        gopool::yield();
      }
      partner.done();
    });
    gopool::yield();  // let the partner start
    const Stopwatch t;
    for (long i = 0; i < n; ++i) {
      gopool::yield();
    }
    const double s = t.seconds();
    stop = true;
    partner.wait();
    return compare::per_item_ns(s, 2.0 * static_cast<double>(n));
  });
}

// Unbuffered round trips on 1 P: send on ping, the partner answers on pong; ns per round trip.
Figure ping_pong(long n) {
  return on_goroutine(1, [n] {
    gopool::Chan<long> ping;
    gopool::Chan<long> pong;
    gopool::WaitGroup partner;
    partner.add(1);
    gopool::go([&, ping, pong] {
      while (auto v = ping.recv()) {
        pong.send(*v);
      }
      partner.done();
    });
    const Stopwatch t;
    long sum = 0;
    for (long i = 0; i < n; ++i) {
      ping.send(i);
      sum += pong.recv().value();
    }
    const double s = t.seconds();
    ping.close();
    partner.wait();
    if (sum != n * (n - 1) / 2) {
      std::abort();
    }
    return compare::per_item_ns(s, static_cast<double>(n));
  });
}

// The Go documentation's concurrent prime sieve up to the n-th prime, shutting its chain down
// before it returns (generator stopped through `done`, every filter closing its output).
int sieve(long n) {
  gopool::WaitGroup wg;
  gopool::Chan<std::monostate> done;
  gopool::Chan<int> ch;
  wg.add(1);
  gopool::go([ch, done, &wg] {
    for (int i = 2;; ++i) {
      bool stop = false;
      gopool::select(gopool::on_send(ch, i), gopool::on_recv(done, [&] { stop = true; }));
      if (stop) {
        break;
      }
    }
    ch.close();
    wg.done();
  });
  int prime = 0;
  gopool::Chan<int> in = ch;
  for (long k = 0; k < n; ++k) {
    prime = in.recv().value();
    gopool::Chan<int> out;
    wg.add(1);
    gopool::go([in, out, prime, &wg] {
      for (int v : in) {
        if (v % prime != 0) {
          out.send(v);
        }
      }
      out.close();
      wg.done();
    });
    in = out;
  }
  done.close();
  for (int rest : in) {
    (void)rest;
  }
  wg.wait();
  return prime;
}

Figure prime_sieve(long n) {
  return on_goroutine(1, [n] {
    const Stopwatch t;
    const int p = sieve(n);
    const double s = t.seconds();
    if (n == 5000 && p != 48611) {
      std::abort();
    }
    return compare::milliseconds(s);
  });
}

// n empty tasks through a Pool of 10 000 on 2 Ps, posted by a goroutine (as oneTBB's
// task_group::run inside its arena), all awaited after every batch.
Figure post_inside(gopool::Pool& pool, long n) {
  return on_goroutine(2, [&pool, n] {
    const Stopwatch t;
    for (long i = 0; i < n; ++i) {
      if ((i & 1023) == 1023) {
        gopool::yield();  // a switch point now and then (no preemption in C++)
      }
      if (pool.post([] {})) {
        std::abort();
      }
      if ((i + 1) % kPostBatch == 0) {
        pool.wait();
      }
    }
    pool.wait();
    return compare::millions_per_second(t.seconds(), static_cast<double>(n));
  });
}

// The same posted by the main thread, a thread outside the runtime.
Figure post_outside(gopool::Pool& pool, long n) {
  const Stopwatch t;
  for (long i = 0; i < n; ++i) {
    if (pool.post([] {})) {
      std::abort();
    }
    if ((i + 1) % kPostBatch == 0) {
      pool.wait();
    }
  }
  pool.wait();
  return compare::millions_per_second(t.seconds(), static_cast<double>(n));
}

// n tasks returning 1 submitted by the main thread to a Pool on 2 Ps; every future is got.
Figure submit(gopool::Pool& pool, long n) {
  return compare::submit_in_batches(n, kSubmitBatch, [&] { return pool.submit([] { return 1; }); });
}

// n tasks each sleeping nap through the pool, posted by a goroutine; time until all are done,
// and the peak RSS.
Figure sleep_tasks(gopool::Pool& pool, long n, std::chrono::milliseconds nap) {
  gopool::WaitGroup wg;
  wg.add(n);
  const Stopwatch t;
  gopool::go([&] {
    for (long i = 0; i < n; ++i) {
      if ((i & 1023) == 1023) {
        gopool::yield();
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
  Figure f = compare::milliseconds(t.seconds());
  f.peak_rss_mib = compare::status_kib("VmHWM") / 1024.0;
  return f;
}

}  // namespace

// with_pool: runs the point with one Pool of `capacity` on 2 Ps, shared by the warm-up and the
// timed run (as a peer's executor is), so the timed run finds its workers started.
template <class Body>
int with_pool(const compare::Args& a, int capacity, Body&& body) {
  gopool::set_procs(2);
  gopool::PoolOptions options;
  options.expiry = std::chrono::seconds(10);  // ants' DefaultExpiredTime in its benchmark
  gopool::Pool pool(capacity, options);
  return compare::run_point(kSystem, a, [&](long n) { return body(pool, n); });
}

int main(int argc, char** argv) {
  const auto a = compare::parse_args(
      argc, argv, "yield pingpong sieve post_inside post_outside submit sleep1ms sleep10ms");
  const std::string& w = a.workload;
  if (w == "yield") return compare::run_point(kSystem, a, yield);
  if (w == "pingpong") return compare::run_point(kSystem, a, ping_pong);
  if (w == "sieve") return compare::run_point(kSystem, a, prime_sieve);
  if (w == "post_inside") return with_pool(a, 10'000, post_inside);
  if (w == "post_outside") return with_pool(a, 10'000, post_outside);
  if (w == "submit") return with_pool(a, 10'000, submit);
  if (w == "sleep1ms") {
    return with_pool(a, 10'000, [](gopool::Pool& pool, long n) {
      return sleep_tasks(pool, n, std::chrono::milliseconds(1));
    });
  }
  if (w == "sleep10ms") {
    return with_pool(a, 50'000, [](gopool::Pool& pool, long n) {
      return sleep_tasks(pool, n, std::chrono::milliseconds(10));
    });
  }
  compare::unknown_workload(a, kSystem);
}
