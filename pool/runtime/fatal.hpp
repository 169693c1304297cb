// Fatal runtime errors: print what happened and which goroutine (id and creation site), then
// abort, as Go's runtime does with "fatal error".
#pragma once

namespace gopool::detail {

struct G;

// Ends the process with "gopool: fatal error: <message>", naming g (or the calling goroutine
// when g is nullptr) and where it was created.
[[noreturn]] void fatal(const char* message, const G* g = nullptr) noexcept;

// Ends the process for an exception that escaped goroutine g's function; call from a catch.
[[noreturn]] void fatal_escaped_exception(const G* g) noexcept;

}  // namespace gopool::detail
