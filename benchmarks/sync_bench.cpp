// Sync benchmarks: channel ping-pong (1 P and 2 Ps), buffered throughput, the concurrent prime
// sieve, and Future/Promise against std::future.
#include <benchmark/benchmark.h>

#include <future>
#include <variant>

#include <gopool/chan.hpp>
#include <gopool/future.hpp>
#include <gopool/runtime.hpp>
#include <gopool/select.hpp>
#include <gopool/wait_group.hpp>

#include "bench_support.hpp"

namespace {

using gopool::bench::run_on_goroutine;

// One unbuffered round trip per iteration: send on ping, the partner echoes on pong.
void ping_pong(benchmark::State& state, int procs) {
  run_on_goroutine(procs, [&] {
    gopool::Chan<int> ping;
    gopool::Chan<int> pong;
    gopool::WaitGroup partner;
    partner.add(1);
    gopool::go([&, ping, pong] {
      while (auto v = ping.recv()) {
        pong.send(*v);
      }
      partner.done();
    });
    int i = 0;
    for (auto _ : state) {
      ping.send(i++);
      benchmark::DoNotOptimize(pong.recv());
    }
    ping.close();
    partner.wait();
  });
}

void BM_ChanPingPong(benchmark::State& state) {
  ping_pong(state, 1);
}
BENCHMARK(BM_ChanPingPong)->UseRealTime();

void BM_ChanPingPong2P(benchmark::State& state) {
  ping_pong(state, 2);
}
BENCHMARK(BM_ChanPingPong2P)->UseRealTime();

// One producer, one consumer, capacity 128: time per item.
void BM_ChanBuffered(benchmark::State& state) {
  run_on_goroutine(2, [&] {
    gopool::Chan<int> ch(128);
    gopool::WaitGroup consumer;
    consumer.add(1);
    gopool::go([&, ch] {
      long sum = 0;
      for (int v : ch) {
        sum += v;
      }
      benchmark::DoNotOptimize(sum);
      consumer.done();
    });
    int i = 0;
    for (auto _ : state) {
      ch.send(i++);
    }
    ch.close();
    consumer.wait();  // the items still buffered are part of the cost
  });
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChanBuffered)->UseRealTime();

// The Go documentation's concurrent prime sieve (as examples/prime_sieve.cpp), up to the n-th
// prime; shuts its chain down before returning.
int sieve(int n) {
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
  for (int k = 0; k < n; ++k) {
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

// Time to the n-th prime (5000 -> 48611) on 1 P.
void BM_PrimeSieve(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  run_on_goroutine(1, [&] {
    for (auto _ : state) {
      const int p = sieve(n);
      if (n == 5000 && p != 48611) {
        state.SkipWithError("wrong 5000th prime");
      }
      benchmark::DoNotOptimize(p);
    }
  });
}
BENCHMARK(BM_PrimeSieve)->Arg(5000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Promise set + future get on one thread, gopool against the standard library.
void BM_FutureSetGet(benchmark::State& state) {
  for (auto _ : state) {
    gopool::Promise<int> p;
    gopool::Future<int> f = p.get_future();
    p.set_value(1);
    benchmark::DoNotOptimize(f.get());
  }
}
BENCHMARK(BM_FutureSetGet);

void BM_StdFutureSetGet(benchmark::State& state) {
  for (auto _ : state) {
    std::promise<int> p;
    std::future<int> f = p.get_future();
    p.set_value(1);
    benchmark::DoNotOptimize(f.get());
  }
}
BENCHMARK(BM_StdFutureSetGet);

}  // namespace
