// Helpers shared by the pool tests: ants' demo functions, polling for a state, log capture.
#pragma once

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <system_error>
#include <thread>

#include "gopool/chan.hpp"
#include "gopool/errors.hpp"
#include "gopool/runtime.hpp"

namespace pool_test {

using namespace std::chrono_literals;

#if defined(GOPOOL_TSAN) || defined(GOPOOL_ASAN)
// Under a sanitizer the runtime's default guarded-stack budget (derived from vm.max_map_count)
// leaves the sanitizer's own allocator too few map entries once ten thousand workers have run;
// keep most worker stacks in slabs. Runs before main, so before the runtime starts.
inline const bool sanitizer_stack_budget = [] {
  gopool::RuntimeOptions options;
  options.guarded_stack_budget = 2048;
  return !gopool::configure(options);
}();
#endif

// ants' constants (ants_test.go).
inline constexpr int kParam = 100;       // ms a demoPoolFunc task sleeps
inline constexpr int kAntsSize = 1000;   // pool size of the wait-to-get-worker cases
inline constexpr int kTestSize = 10000;  // pool size of the cache cases
inline constexpr int kN = 100000;        // tasks per case
inline constexpr int kBenchParam = 10;   // ms a demoFunc task sleeps

// ants' DefaultCleanIntervalTime.
inline constexpr auto kDefaultCleanInterval = std::chrono::seconds(1);

// demo_func: ants' demoFunc: sleeps 10 ms.
inline void demo_func() {
  gopool::sleep_for(std::chrono::milliseconds(kBenchParam));
}

// demo_pool_func: ants' demoPoolFunc: sleeps `ms` milliseconds.
inline void demo_pool_func(int ms) {
  gopool::sleep_for(std::chrono::milliseconds(ms));
}

// eventually: polls pred until it holds (true) or `limit` passes (false). For states the pool
// reaches asynchronously (a worker going idle, the purge), so tests assert states, not timings.
template <class Pred>
bool eventually(Pred&& pred, std::chrono::milliseconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// CloseAtExit: closes a channel when the scope ends, also when a REQUIRE fails, so tasks blocked
// on it finish and the pool's destructor does not wait forever. Declare it after the pool.
template <class T>
struct CloseAtExit {
  gopool::Chan<T> ch;
  ~CloseAtExit() {
    try {
      ch.close();
    } catch (...) {
      // already closed
    }
  }
};

// CaptureSink: keeps every formatted line, readable at any time.
class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string text() {
    std::lock_guard<std::mutex> guard(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    text_.append(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

// LogCapture: an spdlog logger whose lines can be read back, to check that nothing is
// swallowed.
class LogCapture {
 public:
  LogCapture()
      : sink_(std::make_shared<CaptureSink>()),
        logger_(std::make_shared<spdlog::logger>("pool-test", sink_)) {}

  std::shared_ptr<spdlog::logger> logger() const { return logger_; }
  std::string text() { return sink_->text(); }

 private:
  std::shared_ptr<CaptureSink> sink_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace pool_test
