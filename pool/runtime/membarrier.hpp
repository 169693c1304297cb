// Membarrier: the kernel's process-wide memory barrier, for the rare side of an asymmetric
// Dekker protocol. The frequent side then needs only a compiler barrier: the kernel makes every
// thread of the process that is running pass a full barrier (by interrupt) before the call
// returns, and a thread that is not running passes one when it is switched back in.
#pragma once

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gopool::detail {

// Registers the process for membarrier_all(). Returns false where the kernel (or an emulator)
// lacks the private expedited command; membarrier_all() must not be relied on then.
inline bool membarrier_register() noexcept {
#if defined(SYS_membarrier)
  const long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  if (cmds < 0 || (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
  return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
  return false;
#endif
}

// Returns once every thread of the process has passed a full memory barrier. Only after
// membarrier_register() returned true. It interrupts every CPU running a thread of the
// process: for rare paths only.
inline bool membarrier_all() noexcept {
#if defined(SYS_membarrier)
  return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
  return false;
#endif
}

}  // namespace gopool::detail
