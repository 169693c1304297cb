#include "runtime/context_switch.hpp"

#include <cstdint>
#include <cstring>

extern "C" __attribute__((visibility("hidden"))) void gopool_ctx_entry();

namespace __cxxabiv1 {
struct __cxa_eh_globals;
// NOLINTNEXTLINE(readability-identifier-naming): the ABI's name
extern "C" __cxa_eh_globals* __cxa_get_globals() noexcept;
}  // namespace __cxxabiv1

namespace gopool::detail {

EhGlobals* thread_eh_globals() noexcept {
  return reinterpret_cast<EhGlobals*>(__cxxabiv1::__cxa_get_globals());
}

void make_context(Context* ctx, [[maybe_unused]] void* stack_bottom, void* stack_top,
                  void (*entry)(void*), void* arg) noexcept {
  auto top = reinterpret_cast<std::uintptr_t>(stack_top) & ~std::uintptr_t{15};
#if defined(__x86_64__)
  // Frame read by raw_switch (context_switch.hpp), low to high: control words, rbp, resume
  // address; above it what gopool_ctx_entry reads: entry, arg, padding. After the entry's
  // reads, rsp == top (16-byte aligned) for its call.
  auto* frame = reinterpret_cast<std::uint64_t*>(top) - 6;  // NOLINT(performance-no-int-to-ptr)
  std::memset(frame, 0, 6 * sizeof(std::uint64_t));
  const std::uint32_t mxcsr = 0x1F80;  // all exceptions masked, round to nearest
  const std::uint16_t fpucw = 0x037F;  // x87 default: extended precision, exceptions masked
  std::memcpy(reinterpret_cast<char*>(frame), &mxcsr, sizeof mxcsr);
  std::memcpy(reinterpret_cast<char*>(frame) + 4, &fpucw, sizeof fpucw);
  frame[1] = 0;  // rbp: frame-pointer walks end here
  frame[2] = reinterpret_cast<std::uint64_t>(&gopool_ctx_entry);
  frame[3] = reinterpret_cast<std::uint64_t>(entry);
  frame[4] = reinterpret_cast<std::uint64_t>(arg);
  ctx->sp = frame;
#elif defined(__aarch64__)
  // Frame popped by gopool_ctx_switch: x19..x28, fp, lr, d8..d15, fpcr (176 bytes).
  auto* frame = reinterpret_cast<std::uint64_t*>(top - 176);
  std::memset(frame, 0, 176);
  frame[0] = reinterpret_cast<std::uint64_t>(entry);               // x19
  frame[1] = reinterpret_cast<std::uint64_t>(arg);                 // x20
  frame[11] = reinterpret_cast<std::uint64_t>(&gopool_ctx_entry);  // lr
  ctx->sp = frame;
#else
#error "gopool: no context switch for this CPU"
#endif
  ctx->eh = EhGlobals{};
#if defined(GOPOOL_ASAN)
  ctx->stack_bottom = stack_bottom;
  ctx->stack_size =
      static_cast<std::size_t>(static_cast<char*>(stack_top) - static_cast<char*>(stack_bottom));
#endif
}

}  // namespace gopool::detail
