// Formatting shared by the text dump, the JSON dump, the signal dump and the leak check.
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

// calling_frames: the calling goroutine's id (0 on a thread outside the runtime) and its frames,
// starting at the function that called calling_frames() (frame 0), e.g. the public dump
// function. Allocates; not for signal handlers. Throws std::bad_alloc.
[[gnu::noinline]] Caller calling_frames();

// write_text: the text dump of `goroutines`; with a caller, its backtrace is shown (under its
// goroutine's entry, or as a "calling thread" entry). Throws what the stream throws.
void write_text(std::ostream& out, const std::vector<GoroutineRecord>& goroutines,
                const Caller* caller);

// format_duration: "<1ms", "250ms", "1.5s", "3m20s", "2h05m".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace gopool::debug::impl
