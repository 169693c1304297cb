// os_thread_id: the calling OS thread's id, read fresh on every call. std::this_thread::get_id()
// cannot serve in goroutines: pthread_self() is declared const, so the compiler may reuse its
// value across a switch point, after which the goroutine may run on another thread.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

namespace gopool::test {

__attribute__((noinline)) inline long os_thread_id() {
  return syscall(SYS_gettid);
}

}  // namespace gopool::test
