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

// spend_coop_budget: spends one unit; yields (a goroutine lets others of its P run) when the
// budget is gone. Every switch refills it. Outside a goroutine it does nothing. Never throws.
GOPOOL_API void spend_coop_budget() noexcept;

}  // namespace gopool::detail
