// Futex: the kernel's wait-on-address, for parking Ms and foreign threads.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <ctime>

namespace gopool::detail {

// Sleeps while *word == expected, at most timeout_ns (< 0: no limit). Returns false on timeout.
inline bool futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                       std::int64_t timeout_ns = -1) noexcept {
  timespec ts{};
  timespec* tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = static_cast<time_t>(timeout_ns / 1000000000);
    ts.tv_nsec = static_cast<long>(timeout_ns % 1000000000);
    tsp = &ts;
  }
  const long r = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_PRIVATE,
                         expected, tsp, nullptr, 0);
  return !(r == -1 && errno == ETIMEDOUT);
}

// Wakes up to n threads sleeping on word.
inline void futex_wake(std::atomic<std::uint32_t>* word, int n = 1) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, n, nullptr,
          nullptr, 0);
}

}  // namespace gopool::detail
