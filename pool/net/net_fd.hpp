// NetFd: the shared core of TcpStream and TcpListener: a non-blocking socket registered with the
// netpoller, its deadlines, one IoLock per direction, and the reference count that lets close()
// wake every user and wait until they have left before the fd is closed (Go's fdMutex, reduced).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <system_error>

#include "gopool/detail/context_waiter.hpp"
#include "gopool/detail/netpoll.hpp"
#include "gopool/net/errors.hpp"
#include "net/io_lock.hpp"

namespace gopool::detail {

// kNoDeadlineNs: "no deadline" in NetFd's deadline words.
inline constexpr std::int64_t kNoDeadlineNs = std::numeric_limits<std::int64_t>::max();

// now_ns: steady_clock now, in ns since its epoch (the clock of every deadline).
inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// deadline_ns: a deadline as NetFd stores it (saturating; max() means none).
std::int64_t deadline_ns(std::chrono::steady_clock::time_point deadline) noexcept;

// errno_code: errno as a std::error_code of the system category.
std::error_code errno_code(int err) noexcept;

struct NetFd {
  // NetFd: takes ownership of fd (already non-blocking) and its registration pd.
  NetFd(int descriptor, PollDesc* desc) noexcept : fd(descriptor), pd(desc) {}
  NetFd(const NetFd&) = delete;
  NetFd& operator=(const NetFd&) = delete;
  ~NetFd();  // closes the fd if close() was not called

  // open: registers fd (non-blocking) with the netpoller; on failure closes fd and returns null
  // with errno set.
  static NetFd* open(int descriptor) noexcept;

  // acquire / release: brackets every operation on fd; acquire fails once close() has begun.
  bool acquire() noexcept {
    const std::uint64_t old = refs.fetch_add(kRef, std::memory_order_acquire);
    if ((old & kClosing) != 0) {
      refs.fetch_sub(kRef, std::memory_order_release);
      return false;
    }
    return true;
  }
  void release() noexcept { refs.fetch_sub(kRef, std::memory_order_release); }
  bool closing() const noexcept { return (refs.load(std::memory_order_acquire) & kClosing) != 0; }

  // close: see TcpStream::close.
  std::error_code close() noexcept;

  // wait: waits for the fd to become readable (write = false) or writable, until the direction's
  // deadline. Returns {} when the call should be retried, errc::timeout, or errc::closed.
  std::error_code wait(bool write) noexcept;

  // pass: counts an operation in one direction that finished; every kFairnessOps-th one in a row
  // without a wait yields. Goroutines cannot be preempted, so a goroutine whose socket always
  // has data (a busy peer on another P) would otherwise keep its P from everything else. Called
  // with the direction's IoLock held (it guards the streak).
  void pass(bool write) noexcept;

  // check_deadline: errc::timeout if the direction's deadline has passed, else {}.
  std::error_code check_deadline(bool write) const noexcept;

  // set_deadline: changes one or both deadlines and wakes the waiters so they apply it.
  std::error_code set_deadline(bool read, bool write,
                               std::chrono::steady_clock::time_point deadline) noexcept;

  static constexpr std::uint64_t kClosing = 1;
  static constexpr std::uint64_t kRef = 2;

  int fd;
  PollDesc* pd;
  std::atomic<std::uint64_t> refs{0};  // kClosing | users * kRef
  std::atomic<std::int64_t> read_deadline{kNoDeadlineNs};
  std::atomic<std::int64_t> write_deadline{kNoDeadlineNs};
  IoLock read_lock;                // one reader (or acceptor) at a time
  IoLock write_lock;               // one writer at a time
  std::uint32_t read_streak = 0;   // reads since the last wait (under read_lock)
  std::uint32_t write_streak = 0;  // writes since the last wait (under write_lock)

  static constexpr std::uint32_t kFairnessOps = 64;
};

// NetCancel: ties one direction's waits on pd to a Context: its cancellation interrupts the
// waiter, which finds error() set when it looks again. An interrupt that lands after the call
// ended leaves a mark the next wait takes for a spurious wake-up, which every wait tolerates.
struct NetCancel : ContextWaiter {
  NetCancel(PollDesc* desc, bool writing) noexcept : pd(desc), write(writing) {
    notify = &on_cancel;
  }
  static void on_cancel(ContextWaiter* self, std::error_code why) noexcept {
    auto* c = static_cast<NetCancel*>(self);
    c->why = why;
    c->fired.store(true, std::memory_order_release);
    netpoll_interrupt(c->pd, !c->write, c->write);
  }
  // The context's error once it has been cancelled, else {}.
  std::error_code error() const noexcept {
    return fired.load(std::memory_order_acquire) ? why : std::error_code();
  }

  PollDesc* pd;
  bool write;
  std::error_code why;
  std::atomic<bool> fired{false};
};

// NetOp: acquire() for a scope; `ok` is false on an empty or closing NetFd.
class NetOp {
 public:
  explicit NetOp(NetFd* fd) noexcept : fd_(fd != nullptr && fd->acquire() ? fd : nullptr) {}
  ~NetOp() {
    if (fd_ != nullptr) fd_->release();
  }
  NetOp(const NetOp&) = delete;
  NetOp& operator=(const NetOp&) = delete;
  bool ok() const noexcept { return fd_ != nullptr; }

 private:
  NetFd* fd_;
};

}  // namespace gopool::detail
