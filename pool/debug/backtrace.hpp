// The calling goroutine's (or thread's) own frames, symbolized, for the goroutine dump.
#pragma once

#include <string>
#include <vector>

namespace gopool::debug::impl {

// capture_backtrace: the calling thread's frames, innermost first, as "function+0xoff (module)"
// (or "0xaddress (module+0xoff)" when no symbol covers the address), followed by
// " at file:line" when gopool was built with libdw (GOPOOL_HAVE_LIBDW) and the module has DWARF
// line tables (-g). With libdw, names come from the full symbol table; without it, only from
// exported symbols (dladdr). Starts at the frame whose return address is `first` (e.g.
// __builtin_return_address(0) of a non-inlined caller), or at the caller if no frame has it. On
// a goroutine the walk ends at the goroutine's first frame. Allocates; with libdw it also
// symbolizes on a helper thread (libdw needs more stack than a goroutine has; a goroutine's
// thread waits inside gopool::blocking), under a process-wide lock over a libdw session kept
// for later calls, and reads the loaded modules' files. So never from a signal handler, a
// fatal path, or with a lock the allocator may need. Throws std::bad_alloc.
std::vector<std::string> capture_backtrace(const void* first);

}  // namespace gopool::debug::impl
