#include "runtime/netpoll.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <mutex>

#include "gopool/detail/netpoll.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/runtime.hpp"
#include "runtime/fatal.hpp"
#include "runtime/timer_heap.hpp"

namespace gopool::detail {

// A waiter slot holds nothing, a readiness not yet consumed, or the waiter's WaitState.
constexpr std::uintptr_t kSlotEmpty = 0;
constexpr std::uintptr_t kSlotReady = 1;
constexpr std::uintptr_t kSlotInterrupt = 2;

struct PollDesc {
  int fd = -1;
  std::atomic<bool> closing{false};
  std::atomic<std::uintptr_t> rg{kSlotEmpty};
  std::atomic<std::uintptr_t> wg{kSlotEmpty};
  std::atomic<int> inside{0};  // threads and goroutines inside netpoll_wait on it
  PollDesc* next_free = nullptr;
};

namespace {

struct Poller {
  int epfd = -1;
  int breakfd = -1;
  std::mutex mu;  // the PollDesc cache
  std::deque<PollDesc> descs;
  PollDesc* free_list = nullptr;
  std::atomic<std::int64_t> waiters{0};
  std::atomic<bool> blocked{false};  // a thread sits in netpoll_block
  std::atomic<std::int64_t> blocked_until{kNoDeadline};
  std::atomic<std::int64_t> last_poll{0};
  std::atomic<bool> break_pending{false};
};

Poller& poller() {
  static Poller* p = [] {
    auto* np = new Poller();  // never destroyed: waiters may outlive main
    np->epfd = epoll_create1(EPOLL_CLOEXEC);
    np->breakfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (np->epfd < 0 || np->breakfd < 0) fatal("netpoll: cannot create the epoll set");
    epoll_event ev{};
    ev.events = EPOLLIN;  // level-triggered: drained explicitly
    ev.data.ptr = nullptr;
    epoll_ctl(np->epfd, EPOLL_CTL_ADD, np->breakfd, &ev);
    return np;
  }();
  return *p;
}

// Marks a slot ready (or interrupted) and wakes the waiter parked there, if any.
void wake_slot(std::atomic<std::uintptr_t>& slot, std::uintptr_t mark) noexcept {
  std::uintptr_t v = slot.load(std::memory_order_acquire);
  for (;;) {
    if (v == mark) return;
    if (slot.compare_exchange_weak(v, mark, std::memory_order_acq_rel)) break;
  }
  if (v > kSlotInterrupt) reinterpret_cast<WaitState*>(v)->wake(WaitState::kFirstResult);
}

int poll_once(Poller& pl, int timeout_ms) noexcept {
  epoll_event events[128];
  const int n = epoll_wait(pl.epfd, events, 128, timeout_ms);
  pl.last_poll.store(nanotime(), std::memory_order_relaxed);
  int woken = 0;
  for (int i = 0; i < n; ++i) {
    auto* pd = static_cast<PollDesc*>(events[i].data.ptr);
    if (pd == nullptr) {  // the break eventfd
      std::uint64_t drained = 0;
      [[maybe_unused]] const ssize_t r = read(pl.breakfd, &drained, sizeof drained);
      pl.break_pending.store(false, std::memory_order_release);
      continue;
    }
    const std::uint32_t e = events[i].events;
    if ((e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
      wake_slot(pd->rg, kSlotReady);
      ++woken;
    }
    if ((e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
      wake_slot(pd->wg, kSlotReady);
      ++woken;
    }
  }
  return woken;
}

}  // namespace

PollDesc* netpoll_open(int fd) noexcept {
  Poller& pl = poller();
  PollDesc* pd = nullptr;
  {
    std::lock_guard lock(pl.mu);
    if (pl.free_list != nullptr) {
      pd = pl.free_list;
      pl.free_list = pd->next_free;
    } else {
      pd = &pl.descs.emplace_back();
    }
  }
  pd->fd = fd;
  pd->closing.store(false, std::memory_order_relaxed);
  pd->rg.store(kSlotEmpty, std::memory_order_relaxed);
  pd->wg.store(kSlotEmpty, std::memory_order_relaxed);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = pd;
  if (epoll_ctl(pl.epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const int saved = errno;
    std::lock_guard lock(pl.mu);
    pd->next_free = pl.free_list;
    pl.free_list = pd;
    errno = saved;
    return nullptr;
  }
  return pd;
}

void netpoll_close(PollDesc* pd) noexcept {
  Poller& pl = poller();
  pd->closing.store(true, std::memory_order_release);
  epoll_ctl(pl.epfd, EPOLL_CTL_DEL, pd->fd, nullptr);
  wake_slot(pd->rg, kSlotReady);
  wake_slot(pd->wg, kSlotReady);
  // Woken waiters see `closing` and leave promptly; reuse the descriptor only after they did.
  // A stale event for it later at worst reports a spurious readiness.
  while (pd->inside.load(std::memory_order_acquire) != 0)
    yield();
  std::lock_guard lock(pl.mu);
  pd->next_free = pl.free_list;
  pl.free_list = pd;
}

PollResult netpoll_wait(PollDesc* pd, bool write,
                        std::chrono::steady_clock::time_point deadline) noexcept {
  struct Inside {
    PollDesc* pd;
    explicit Inside(PollDesc* d) : pd(d) { pd->inside.fetch_add(1, std::memory_order_acq_rel); }
    ~Inside() { pd->inside.fetch_sub(1, std::memory_order_acq_rel); }
  } inside(pd);
  Poller& pl = poller();
  std::atomic<std::uintptr_t>& slot = write ? pd->wg : pd->rg;
  const bool timed = deadline != kForever;
  for (;;) {
    if (pd->closing.load(std::memory_order_acquire)) return PollResult::closed;
    std::uintptr_t v = slot.load(std::memory_order_acquire);
    if (v == kSlotReady || v == kSlotInterrupt) {
      if (slot.compare_exchange_strong(v, kSlotEmpty, std::memory_order_acq_rel)) {
        if (pd->closing.load(std::memory_order_acquire)) return PollResult::closed;
        return v == kSlotReady ? PollResult::ready : PollResult::interrupted;
      }
      continue;
    }
    if (v != kSlotEmpty) fatal("netpoll: two goroutines wait for the same fd in one direction");
    // (A slot holding our own WaitState cannot be seen here: we leave only after taking it out.)
    if (timed && to_ns(deadline) <= nanotime()) return PollResult::timeout;
    WaitState me;
    const auto mine = reinterpret_cast<std::uintptr_t>(&me);
    if (!slot.compare_exchange_strong(v, mine, std::memory_order_acq_rel)) continue;
    pl.waiters.fetch_add(1, std::memory_order_relaxed);
    const WaitState::Result r = me.wait_until(deadline, WaitReason::io);
    pl.waiters.fetch_sub(1, std::memory_order_relaxed);
    if (r == WaitState::kPending) {
      std::uintptr_t expected = mine;
      if (slot.compare_exchange_strong(expected, kSlotEmpty, std::memory_order_acq_rel)) {
        return PollResult::timeout;
      }
      (void)me.wait(WaitReason::io);  // an event took the slot first: its wake is on the way
    }
    // The slot now holds the mark that woke us; loop to consume it.
  }
}

void netpoll_interrupt(PollDesc* pd, bool read, bool write) noexcept {
  if (read) wake_slot(pd->rg, kSlotInterrupt);
  if (write) wake_slot(pd->wg, kSlotInterrupt);
}

std::int64_t netpoll_waiters() noexcept {
  return poller().waiters.load(std::memory_order_relaxed);
}

bool netpoll_active() noexcept {
  return poller().waiters.load(std::memory_order_relaxed) > 0;
}

int netpoll_poll() noexcept {
  Poller& pl = poller();
  // A thread blocked in epoll_wait reports events as they come: polling too would only cost
  // a system call (Go skips it the same way).
  if (pl.waiters.load(std::memory_order_relaxed) == 0 ||
      pl.blocked.load(std::memory_order_acquire)) {
    return 0;
  }
  return poll_once(pl, 0);
}

int netpoll_block(std::int64_t deadline_ns) noexcept {
  Poller& pl = poller();
  bool expected = false;
  if (!pl.blocked.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) return -1;
  pl.blocked_until.store(deadline_ns, std::memory_order_release);
  int timeout_ms = -1;
  if (deadline_ns != kNoDeadline) {
    const std::int64_t wait_ns = deadline_ns - nanotime();
    timeout_ms = wait_ns <= 0 ? 0 : static_cast<int>((wait_ns + 999'999) / 1'000'000);
  }
  const int woken = poll_once(pl, timeout_ms);
  pl.blocked_until.store(kNoDeadline, std::memory_order_release);
  pl.blocked.store(false, std::memory_order_release);
  return woken;
}

void netpoll_break_for(std::int64_t deadline_ns) noexcept {
  Poller& pl = poller();
  if (!pl.blocked.load(std::memory_order_acquire)) return;
  if (deadline_ns >= pl.blocked_until.load(std::memory_order_acquire)) return;
  if (pl.break_pending.exchange(true, std::memory_order_acq_rel)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t r = write(pl.breakfd, &one, sizeof one);
}

std::int64_t netpoll_last_poll_ns() noexcept {
  return nanotime() - poller().last_poll.load(std::memory_order_relaxed);
}

}  // namespace gopool::detail
