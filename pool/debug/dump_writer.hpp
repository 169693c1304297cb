// Formatting shared by the dump, the signal dump and the leak check.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "gopool/debug.hpp"

namespace gopool::debug::impl {

// Caller: who asked for a dump, and its own frames.
struct Caller {
  std::uint64_t goroutine_id = 0;      // 0: a thread outside the runtime
  std::vector<std::string> backtrace;  // innermost first
};

// write_text: the text dump of `goroutines`; with a caller, its backtrace is shown (under its
// goroutine's entry, or as a "calling thread" entry). Throws what the stream throws.
void write_text(std::ostream& out, const std::vector<GoroutineRecord>& goroutines,
                const Caller* caller);

// format_duration: "<1ms", "250ms", "1.5s", "3m20s", "2h05m".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace gopool::debug::impl
