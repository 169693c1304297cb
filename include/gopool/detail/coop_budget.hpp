// The cooperative budget (as tokio's): a goroutine whose operations all complete without
// blocking (posting into a pool with idle workers, channel operations that find a partner or
// room) never reaches a switch point, so it would keep its P from the goroutines it feeds and
// trip the runtime's 10 ms warning. Each such operation spends one unit of the running
// goroutine's budget; when kCoopBudget units are spent without a switch, it yields.
#pragma once

#include <cstdint>

#include "gopool/export.hpp"

namespace gopool::detail {

// Operations a goroutine may complete in a row before it yields.
inline constexpr std::uint16_t kCoopBudget = 128;

// CoopYield: where a goroutine whose budget is spent goes to let the others run.
enum class CoopYield : std::uint8_t {
  // The tail of its own P's run queue, as yield(): it runs again once the goroutines it
  // readied there have run, with the data they share still in that core's cache.
  local,
  // The global run queue, as Go's preempted goroutines: another P takes it up and it goes on
  // while its own P runs what it readied. For a producer whose consumers end by touching a
  // word that the producer also writes (a TaskGroup's go() and its tasks' ends), the pipeline
  // of two Ps beats taking turns on one (BM_TaskGroupFanOut at 2 Ps: 0.58x the time in the
  // test host's slow mode, 0.84-0.92x in its fast one).
  global,
};

// spend_coop_budget: spends one unit; yields (a goroutine lets others of its P run) when the
// budget is gone, as `how` says. Every switch refills it. Outside a goroutine it does nothing.
// Never throws.
GOPOOL_API void spend_coop_budget(CoopYield how = CoopYield::local) noexcept;

}  // namespace gopool::detail
