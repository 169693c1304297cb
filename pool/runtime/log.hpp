// The runtime's logger: spdlog's logger named "gopool" (shared with the pool; the level is the
// user's), kept alive for the whole process, so runtime threads may log while static objects
// are being destroyed at exit.
#pragma once

#include <spdlog/logger.h>

namespace gopool::detail {

spdlog::logger& runtime_log();

}  // namespace gopool::detail
