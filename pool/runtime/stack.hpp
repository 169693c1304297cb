// Goroutine stacks: mmap'ed and committed lazily by the kernel. Where the kernel has guard
// markers (Linux 6.13+), every stack has a guard page below it, whatever its size and however
// many there are: default-size stacks come from slabs in which every stack has a guard page and
// a pre-faulted top page, both set up for the whole slab in two syscalls; other sizes get a
// marker each. Elsewhere, while the kernel's map-entry budget allows, each stack has a guard
// page below it; past that budget, stacks are carved from slabs (or, for other sizes, mapped
// without a guard) and overflow is caught by a canary word checked at every switch-out, or by
// the fault it takes once its stack pointer is below its stack; such an overflow may have
// written into the stack below before it is caught.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gopool::detail {

struct Stack {
  enum class Kind : std::uint8_t { none, guarded, batched, slab, plain };
  char* base = nullptr;  // lowest usable address; the stack grows down from base + size
  std::size_t size = 0;  // usable bytes
  Kind kind = Kind::none;
  std::uint64_t* canary = nullptr;  // word an overflow hits first, when no guard page protects

  char* top() const noexcept { return base + size; }
  explicit operator bool() const noexcept { return base != nullptr; }
};

inline constexpr std::uint64_t kStackCanary = 0x5AFE57AC6C0FFEE5ULL;
inline constexpr std::size_t kMinStackSize = 16 * 1024;
inline constexpr std::size_t kMaxStackSize = std::size_t{1} << 30;
inline constexpr std::size_t kDefaultStackSize = 64 * 1024;

// The OS page size.
std::size_t page_size() noexcept;

// Rounds a stack size up to whole pages.
std::size_t round_stack_size(std::size_t size) noexcept;

// Sets the default stack size, the guarded-stack budget (0 = derived from
// /proc/sys/vm/max_map_count) and whether guard markers may be used. Called once when the
// runtime starts.
void stacks_configure(std::size_t default_size, std::size_t guarded_budget,
                      bool guard_markers) noexcept;

// Maps a stack of size bytes (rounded to pages). Throws std::system_error when the kernel
// refuses the mapping.
Stack stack_allocate(std::size_t size);

// Gives a stack back: guarded and plain stacks are unmapped, slab stacks go back to the slab
// free list with their memory returned to the kernel.
void stack_free(Stack& stack) noexcept;

// Gives n stacks back, as stack_free() does for each, but returns the memory of default-size
// stacks in batched mode to the kernel with one call per 64 of them (one TLB shootdown instead
// of one per stack). Every Stack is reset.
void stack_free_all(Stack* stacks, std::size_t n) noexcept;

// Returns the pages of the stack below its top keep_bytes to the kernel (madvise), for cached
// stacks that were once used deep.
void stack_trim(const Stack& stack, std::size_t keep_bytes) noexcept;

// stack_trim() for n stacks, with one kernel call per 64 of them in batched mode.
void stack_trim_all(const Stack* stacks, std::size_t n, std::size_t keep_bytes) noexcept;

// True when the stack's canary (if it has one) is intact.
inline bool stack_canary_intact(const Stack& stack) noexcept {
  return stack.canary == nullptr || *stack.canary == kStackCanary;
}

// True when a fault at addr, taken with stack pointer sp by the goroutine running on stack, is
// that goroutine overflowing its stack: addr lies in the page below the stack (its guard, or the
// first page below a slab or plain stack), or sp is below the stack's base.
bool stack_overflow_fault(const Stack& stack, const void* addr, const void* sp) noexcept;

// Number of guarded and slab stacks alive (for statistics).
std::size_t stacks_guarded_alive() noexcept;
std::size_t stacks_slab_alive() noexcept;

}  // namespace gopool::detail
