// Runtime timers with callbacks, for after(), Ticker and Context deadlines.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "gopool/detail/task.hpp"
#include "gopool/export.hpp"

namespace gopool::detail {

struct TimerHeap;

// Timer: a one-shot callback at a deadline, kept in a per-P heap. The callback runs on a
// scheduler thread outside any goroutine: it must not block (it may unpark, try_send, close,
// or start() its own timer again, as a ticker does). Destroying an armed Timer stops it.
class GOPOOL_API Timer {
 public:
  Timer() = default;
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer();

  // Arms the timer to call fn at deadline (a past deadline fires soon). Throws
  // std::logic_error if already armed, std::invalid_argument if fn is empty.
  void start(std::chrono::steady_clock::time_point deadline, Task fn);

  // Disarms the timer. Returns true if it was armed and its callback will not run; false if it
  // was not armed or its callback already ran or is running (then, unless called from that
  // very callback, stop waits until the callback has returned). Never blocks otherwise.
  bool stop() noexcept;

  // True while armed.
  bool armed() const noexcept;

 private:
  friend struct TimerHeap;
  friend struct TimerAccess;
  // What arming and firing touch comes first, in one cache line; the callback after it.
  std::chrono::steady_clock::time_point when_{};
  std::atomic<TimerHeap*> heap_{nullptr};  // owning heap while armed
  std::atomic<std::uint32_t> running_{0};  // callbacks of this timer running now
  std::int32_t index_ = -1;                // position in the heap or slot in a lane; -1: unarmed
  std::uint8_t kind_ = 0;                  // runtime-internal: callback or goroutine wake-up
  std::uint8_t lane_ = 0;                  // runtime-internal: 0 the heap, else lane number + 1
  void* g_ = nullptr;                      // runtime-internal: goroutine to wake
  Task fn_;
};

}  // namespace gopool::detail
