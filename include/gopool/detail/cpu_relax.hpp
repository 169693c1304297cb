// cpu_relax: the CPU's spin-wait hint, for the few places that poll a word briefly before
// yielding or parking.
#pragma once

namespace gopool::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace gopool::detail
