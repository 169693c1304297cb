// Context: a saved execution context (a goroutine's or a scheduler thread's), and the switch
// between two of them. Architecture-specific code lives in switch_<cpu>.S only.
#pragma once

#include <cstddef>

#if defined(GOPOOL_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(GOPOOL_TSAN)
extern "C" {
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
}
#endif

#if !defined(__x86_64__)
// Hidden: inside libgopool.so the switch is a direct call, not one through the PLT.
extern "C" __attribute__((visibility("hidden"))) void gopool_ctx_switch(void** save_sp,
                                                                        void* load_sp);
#endif

namespace gopool::detail {

// EhGlobals mirrors the Itanium C++ ABI's per-thread exception state (__cxa_eh_globals):
// the caught-exception stack and the uncaught count. Each context keeps its own copy, so a
// goroutine that parks inside a catch block keeps std::current_exception() wherever it resumes.
struct EhGlobals {
  void* caught_exceptions = nullptr;
  unsigned int uncaught_exceptions = 0;
#if defined(__arm__)
  void* propagating_exceptions = nullptr;
#endif
};

// The calling thread's exception state (libstdc++/libc++abi's __cxa_get_globals).
EhGlobals* thread_eh_globals() noexcept;

// Context holds what a suspended execution needs to resume.
struct Context {
  void* sp = nullptr;  // saved stack pointer; the callee-saved registers sit there
  EhGlobals eh;
#if defined(GOPOOL_ASAN)
  // The stack's extent and fake stack, for ASan's fiber annotations. Only there: without them
  // a Context is 24 bytes and shares its G's first cache line with what a switch reads next.
  const void* stack_bottom = nullptr;
  std::size_t stack_size = 0;
  void* asan_fake_stack = nullptr;
#endif
#if defined(GOPOOL_TSAN)
  void* tsan_fiber = nullptr;
#endif
};

// raw_switch: saves the running context's stack pointer in *save_sp and resumes the one saved at
// load_sp. On x86-64 it is one asm statement inline in its caller (as PhotonLibOS does): it
// pushes only the resume address, rbp and the FP control words, and tells the compiler that
// every other register is clobbered, so the compiler keeps just what is live across the switch
// and saves the callee-saved registers once in the caller's prologue. There is no call, so the
// return-stack predictor stays in step: the context resumed returns through the same call
// sites as the one that left when both were suspended in the same place (two goroutines that
// yield or hand off to each other), and every one of its returns is predicted.
//
// Frame at the saved stack pointer, low to high: MXCSR (4 bytes), x87 control word (2 bytes,
// padded to 8), rbp, resume address; then the 128-byte red zone of the code that switched,
// which the switch steps over before pushing. The MXCSR is loaded on every resume: reading back
// what stmxcsr just stored, to compare, waits for that store and costs more (AMD EPYC); the x87
// control word is compared first, its load being the slow one. Elsewhere the switch is
// gopool_ctx_switch (switch_<cpu>.S), a function that saves the callee-saved registers itself.
#if defined(__x86_64__)
inline void raw_switch(void** save_sp, void* load_sp) noexcept {
  asm volatile(
      "subq   $128, %%rsp\n\t"  // the red zone of a leaf caller
      "leaq   1f(%%rip), %%rax\n\t"
      "pushq  %%rax\n\t"
      "pushq  %%rbp\n\t"
      "subq   $8, %%rsp\n\t"
      "stmxcsr (%%rsp)\n\t"
      "fnstcw 4(%%rsp)\n\t"
      "movzwl 4(%%rsp), %%ecx\n\t"
      "movq   %%rsp, (%0)\n\t"
      "movq   %1, %%rsp\n\t"
      "cmpw   4(%%rsp), %%cx\n\t"
      "je     2f\n\t"
      "fldcw  4(%%rsp)\n\t"
      "2:\n\t"
      "ldmxcsr (%%rsp)\n\t"
      "movq   8(%%rsp), %%rbp\n\t"
      "movq   16(%%rsp), %%rax\n\t"
      "addq   $24, %%rsp\n\t"
      "jmpq   *%%rax\n\t"
      "1:\n\t"
      "addq   $128, %%rsp"
      : "+D"(save_sp), "+S"(load_sp)
      :
      : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory",
        "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
        "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
#if defined(__AVX512F__)
        "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25",
        "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "k0", "k1", "k2", "k3", "k4", "k5",
        "k6", "k7",
#endif
        "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
}
#else
inline void raw_switch(void** save_sp, void* load_sp) noexcept {
  gopool_ctx_switch(save_sp, load_sp);
}
#endif

// Lays out a fresh context on [stack_bottom, stack_top) that, when switched to, calls
// entry(arg) on that stack. entry must never return.
void make_context(Context* ctx, void* stack_bottom, void* stack_top, void (*entry)(void*),
                  void* arg) noexcept;

// Switches from the running context (saved into from) to to. tls_eh is the running thread's
// exception state. When from will never run again (a finished goroutine) pass from_done =
// true, so the sanitizers release what they keep for it. Returns when something switches back
// to from, possibly on another thread.
inline void switch_context(Context* from, Context* to, EhGlobals* tls_eh,
                           [[maybe_unused]] bool from_done = false) noexcept {
  from->eh = *tls_eh;
  *tls_eh = to->eh;
#if defined(GOPOOL_ASAN)
  __sanitizer_start_switch_fiber(from_done ? nullptr : &from->asan_fake_stack, to->stack_bottom,
                                 to->stack_size);
#endif
#if defined(GOPOOL_TSAN)
  __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
  raw_switch(&from->sp, to->sp);
#if defined(GOPOOL_ASAN)
  __sanitizer_finish_switch_fiber(from->asan_fake_stack, nullptr, nullptr);
#endif
}

// Called first thing on a fresh context's stack (ASan bookkeeping of the switch that started it).
inline void context_started() noexcept {
#if defined(GOPOOL_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
}

}  // namespace gopool::detail
