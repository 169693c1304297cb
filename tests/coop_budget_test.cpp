// The cooperative budget: a goroutine whose posts and channel operations never block still
// lets the other goroutines of its P run, and never trips the runtime's 10 ms warning.
#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <gopool/chan.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "support/in_goroutine.hpp"

namespace {

#if defined(GOPOOL_TSAN) || defined(GOPOOL_ASAN) || defined(GOPOOL_CHAOS)
constexpr long kTasks = 200000;
#else
constexpr long kTasks = 1000000;
#endif

// One P for the whole binary: set before the runtime starts.
const bool one_p = [] {
  gopool::RuntimeOptions options;
  options.procs = 1;
  return !gopool::configure(options);
}();

// Whether the runtime's "10 ms without a switch point" warning can be asserted absent. Not under
// TSan: it slows every operation so much that 128 of them (one budget) can outlast 10 ms.
#if defined(GOPOOL_TSAN)
constexpr bool kCheckHogWarning = false;
#else
constexpr bool kCheckHogWarning = true;
#endif

// Collects what the runtime logs.
struct LogCapture {
  std::ostringstream out;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink =
      std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  std::shared_ptr<spdlog::logger> logger;
  LogCapture() {
    // The runtime logs through spdlog's "gopool" logger, made by whoever comes first.
    logger = spdlog::get("gopool");
    if (!logger) logger = spdlog::stderr_color_mt("gopool");
    logger->sinks().push_back(sink);
  }
  ~LogCapture() { logger->sinks().pop_back(); }
  std::string text() {
    logger->flush();
    return out.str();
  }
};

}  // namespace

TEST_CASE("a goroutine posting 1M tasks on one P lets its workers run as it goes") {
  REQUIRE(one_p);
  LogCapture log;
  REQUIRE(gopool::procs() == 1);
  gopool::Pool pool(0);  // unbounded: every post finds an idle worker or starts one
  std::atomic<long> ran{0};
  long ran_at_half = -1;
  long refused = 0;
  gopool::test::in_goroutine([&] {
    for (long i = 0; i < kTasks; ++i) {
      if (pool.post([&] { ran.fetch_add(1, std::memory_order_relaxed); })) ++refused;
      if (i == kTasks / 2) ran_at_half = ran.load();
    }
  });
  pool.wait();
  CHECK(refused == 0);
  CHECK(ran.load() == kTasks);
  CHECK(ran_at_half > 0);                             // the workers ran while it posted
  CHECK(pool.stats().workers_started < kTasks / 10);  // and went back idle to be reused
  if (kCheckHogWarning) CHECK(log.text().find("without a switch point") == std::string::npos);
}

TEST_CASE("a goroutine sending into a buffered channel that never fills lets its receiver run") {
  REQUIRE(one_p);
  LogCapture log;
  gopool::Chan<long> ch(256);
  std::atomic<long> received{0};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    for (long v : ch)
      received.fetch_add(v, std::memory_order_relaxed);
    wg.done();
  });
  long sum = 0;
  gopool::test::in_goroutine([&] {
    for (long i = 0; i < kTasks; ++i) {
      while (!ch.try_send(1)) {
      }  // a polling sender: only the budget lets the receiver drain the buffer
      sum += 1;
    }
    ch.close();
  });
  wg.wait();
  CHECK(received.load() == sum);
  if (kCheckHogWarning) CHECK(log.text().find("without a switch point") == std::string::npos);
}
