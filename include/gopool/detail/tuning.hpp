// Runtime knobs for benchmarks and tests that compare the runtime with itself.
#pragma once

#include "gopool/export.hpp"

namespace gopool::detail {

// Turns goroutine recycling on or off while the runtime runs (RuntimeOptions::recycle sets it
// at start). Off, every go() maps a fresh stack and every finished goroutine unmaps it.
GOPOOL_API void set_recycle(bool on) noexcept;

}  // namespace gopool::detail
