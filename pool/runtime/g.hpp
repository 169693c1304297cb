// G: a goroutine. It lives at the top of its own stack, so a parked goroutine costs the pages
// its stack touched and nothing else, and recycling a G recycles its stack with it.
#pragma once

#include <atomic>
#include <cstdint>
#include <source_location>

#include "gopool/detail/coop_budget.hpp"
#include "gopool/detail/task.hpp"
#include "gopool/detail/timer.hpp"
#include "gopool/detail/wait_state.hpp"
#include "runtime/context_switch.hpp"
#include "runtime/parker.hpp"
#include "runtime/stack.hpp"

namespace gopool::detail {

struct M;

enum class GStatus : std::uint8_t { idle, runnable, running, waiting, dead };

// How far above its stack's base a goroutine's stack pointer must be at a switch-out:
// switch_out's own frames need that much, so less is a stack overflow.
inline constexpr std::size_t kStackRedZone = 1024;

// The first cache line holds what readying a goroutine and switching to it touch: the saved
// context, the parker, the status, the wiring and the stack floor. The second holds what
// parking touches besides; the timer's hot fields start the third. With 10 000s of sleeping
// goroutines every G is cold, so a wake-up and switch miss on one line of it, not four. The
// sanitizer builds add fields to Context and spill over; speed does not matter there.
struct alignas(64) G {
  explicit G(const Stack& s) noexcept
      : parker(this), stack_floor(s.base + kStackRedZone), stack(s) {}

  Context ctx;
  Parker parker;
  M* locked_m = nullptr;  // the M this goroutine is wired to, if any
  char* stack_floor;      // a switch-out below this is a stack overflow
  std::atomic<GStatus> status{GStatus::idle};

  std::atomic<WaitReason> wait_reason{WaitReason::none};
  std::uint16_t coop = kCoopBudget;         // operations left before a forced yield
  std::uint32_t lock_count = 0;             // lock_os_thread nesting
  char* low_water = nullptr;                // lowest stack pointer seen at a switch-out
  std::atomic<std::int64_t> wait_since{0};  // coarse clock at the start of the current wait
  Stack stack;
  G* next = nullptr;  // link in free lists
  Timer timer;        // wakes the goroutine from sleep_for / park_until
  Task task;
  std::atomic<std::uint64_t> id{0};
  std::atomic<std::source_location> where{};
  std::atomic<const char*> label{nullptr};
  std::atomic<const char*> group{nullptr};  // the task group whose task it runs, if any
  std::size_t allgs_index = 0;              // position in Sched::allgs
};

// Bytes at the top of every stack reserved for the G and the canary word above it.
inline constexpr std::size_t kGReserve = (sizeof(G) + 8 + 63) / 64 * 64 + 64;

// The G that lives at the top of stack.
inline G* g_slot(const Stack& stack) noexcept {
  return reinterpret_cast<G*>(stack.top() - kGReserve);
}

}  // namespace gopool::detail
