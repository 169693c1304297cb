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

// Hidden: inside libgopool.so the switch is a direct call, not one through the PLT.
extern "C" __attribute__((visibility("hidden"))) void gopool_ctx_switch(void** save_sp,
                                                                        void* load_sp);

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
  gopool_ctx_switch(&from->sp, to->sp);
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
