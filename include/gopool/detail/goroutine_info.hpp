// A snapshot of every live goroutine, for the goroutine dump and leak checks.
#pragma once

#include <cstdint>
#include <source_location>
#include <string>
#include <vector>

#include "gopool/detail/wait_state.hpp"
#include "gopool/export.hpp"

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
  std::string label;                          // e.g. the name of the pool it works for
  std::string group;                          // the task group whose task it runs, if any
};

// goroutine_snapshot: every goroutine alive now (not the finished ones kept for reuse). Takes a
// lock that goroutine creation and destruction (not switches) also take; never blocks long.
GOPOOL_API std::vector<GoroutineInfo> goroutine_snapshot();

// set_goroutine_label: labels the calling goroutine (nullptr clears). The runtime reads the
// string only under the lock this call takes, so it must stay valid until the goroutine ends or
// calls this again; clearing the label before freeing it ends that duty (a pool's worker does
// so before it lets its pool go). Takes the lock that goroutine_snapshot() takes. Outside a
// goroutine it does nothing.
GOPOOL_API void set_goroutine_label(const char* label) noexcept;

// set_goroutine_group: names the task group whose task the calling goroutine runs (nullptr
// clears), shown by the dumps beside the label. The same lifetime rule as the label: the string
// must stay valid until the goroutine ends or calls this again (a group's task clears it before
// it tells its group it has finished). Unlike set_goroutine_label it takes no lock unless a
// snapshot is being taken right now, so a pool worker may call it around every task. Outside a
// goroutine it does nothing.
GOPOOL_API void set_goroutine_group(const char* group) noexcept;

// set_goroutine_site: makes `where` the calling goroutine's site, shown by the dumps and named by
// fatal messages in place of its go() call (a pool worker running a task shows the task's post
// site). An empty location (line 0) changes nothing. Outside a goroutine it does nothing.
GOPOOL_API void set_goroutine_site(const std::source_location& where) noexcept;

// The coarse clock the runtime stamps waits with, in steady-clock nanoseconds; updated by the
// monitor thread about every millisecond while goroutines run.
GOPOOL_API std::int64_t coarse_now_ns() noexcept;

}  // namespace gopool::detail
