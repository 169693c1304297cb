// sysmon: the monitor thread. It keeps the coarse clock that waits are stamped with, and
// watches the Ps: it sleeps 20 us while it finds work to do and backs off to 10 ms when idle.
#pragma once

#include <atomic>
#include <cstdint>

namespace gopool::detail {

struct Sched;

// Starts the monitor thread for s (once, when the runtime starts).
void sysmon_start(Sched& s);

// Makes the monitor look again within its shortest period (wakes it if it sleeps longer).
void sysmon_kick() noexcept;

}  // namespace gopool::detail
