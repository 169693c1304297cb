// A snapshot of every live goroutine, for the goroutine dump and leak checks.
#pragma once

#include <cstdint>
#include <source_location>
#include <vector>

#include "gopool/detail/wait_state.hpp"

namespace gopool::detail {

// GoroutineState: what a goroutine is doing, as in Go's tracebacks.
enum class GoroutineState : std::uint8_t { runnable, running, waiting };

// GoroutineInfo: one live goroutine.
struct GoroutineInfo {
  std::uint64_t id = 0;
  GoroutineState state = GoroutineState::runnable;
  WaitReason wait_reason = WaitReason::none;  // when waiting
  std::int64_t waiting_ns = 0;                // how long it has waited (coarse: ~1 ms)
  std::source_location created_at;            // the go()/post()/submit() call that made it
  const char* label = nullptr;                // e.g. the name of the pool it works for
};

// goroutine_snapshot: every goroutine alive now (not the finished ones kept for reuse). Takes a
// lock that goroutine creation and destruction (not switches) also take; never blocks long.
std::vector<GoroutineInfo> goroutine_snapshot();

// set_goroutine_label: labels the calling goroutine (nullptr clears). The string must outlive
// the goroutine or the next call. Outside a goroutine it does nothing.
void set_goroutine_label(const char* label) noexcept;

// The coarse clock the runtime stamps waits with, in steady-clock nanoseconds; updated by the
// monitor thread about every millisecond while goroutines run.
std::int64_t coarse_now_ns() noexcept;

}  // namespace gopool::detail
