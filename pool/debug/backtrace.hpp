// The calling goroutine's (or thread's) own frames, symbolized, for the goroutine dump.
#pragma once

#include <string>
#include <vector>

namespace gopool::debug::impl {

// capture_backtrace: the calling thread's frames, innermost first, as "function+0xoff (module)"
// (or "0xaddress (module+0xoff)" when the symbol is not exported), starting at the frame whose
// return address is `first` (e.g. __builtin_return_address(0) of a non-inlined caller), or at
// the caller if no frame has it. On a goroutine the walk ends at the goroutine's first frame.
// Allocates; not for signal handlers. Throws std::bad_alloc.
std::vector<std::string> capture_backtrace(const void* first);

}  // namespace gopool::debug::impl
