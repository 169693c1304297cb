// The calling goroutine's (or thread's) own frames, symbolized, for the goroutine dump.
#pragma once

#include <string>
#include <vector>

namespace gopool::debug::impl {

// capture_backtrace: the caller's frames, innermost first, as "function+0xoff (module)" (or
// "0xaddress (module+0xoff)" when the symbol is not exported), skipping `skip` frames above
// the caller. On a goroutine the walk ends at the goroutine's first frame. Allocates; not for
// signal handlers. Throws std::bad_alloc.
std::vector<std::string> capture_backtrace(int skip);

}  // namespace gopool::debug::impl
