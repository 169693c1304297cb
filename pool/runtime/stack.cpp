#include "runtime/stack.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <system_error>
#include <vector>

#include "runtime/log.hpp"

namespace gopool::detail {
namespace {

constexpr std::size_t kSlabStacks = 1024;           // two map entries serve 1024 stacks
constexpr std::size_t kMapEntriesReserved = 20000;  // left for malloc, libraries, threads
constexpr std::size_t kFirstBatchSlab = 32;         // stacks in the first guarded slab (doubles)
constexpr std::size_t kIovMax = 1024;               // iovecs one process_madvise call takes
constexpr std::size_t kWarmBatchStacks = 1024;      // free batched stacks that keep their top page
constexpr std::size_t kFreeChunk = 64;              // stacks stack_free_all gives back per call
constexpr std::size_t kBatchAdviceMin = 3;          // fewer ranges: one madvise each is cheaper

// Linux 6.13+: guard pages as page-table markers (no VMA split, so no map-entry cost).
constexpr int kMadvGuardInstall = 102;
// Linux 5.14+: fault pages in ahead of use (one syscall instead of one fault per page).
constexpr int kMadvPopulateWrite = 23;

struct StackState {
  std::size_t default_size = kDefaultStackSize;
  std::size_t guarded_budget = 0;
  std::atomic<std::size_t> guarded_alive{0};
  std::atomic<std::size_t> slab_alive{0};
  std::atomic<bool> slab_mode_logged{false};
  std::mutex slab_mu;
  std::vector<char*> slab_free;  // bases of free slab stacks (default size)

  // Batched mode: default-size stacks come from slabs in which every stack has a guard marker
  // below it, installed and pre-faulted for a whole slab with two process_madvise calls. A
  // fresh page costs a fault of ~10 us on a VM; populating it in a batch costs ~1 us.
  int pidfd = -1;                   // >= 0: batched mode is available
  std::atomic<bool> forked{false};  // set in a forked child: pidfd names its parent
  std::size_t next_batch = kFirstBatchSlab;
  std::size_t batch_total = 0;    // batched stacks mapped so far
  std::vector<char*> batch_free;  // bases of free batched stacks, top page still populated
  std::vector<char*> batch_cold;  // bases of free batched stacks returned to the kernel whole
  std::vector<iovec> iov;         // scratch for refill_batch
};

StackState& state() {
  static auto* s = new StackState();  // never destroyed: goroutines may outlive main
  return *s;
}

std::size_t derived_budget() {
  long max_maps = 65530;
  if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
    if (std::fscanf(f, "%ld", &max_maps) != 1) max_maps = 65530;
    std::fclose(f);
  }
  const auto usable = static_cast<std::size_t>(max_maps);
  // A guarded stack costs two map entries: the guard and the stack.
  std::size_t budget = usable > kMapEntriesReserved ? (usable - kMapEntriesReserved) / 2 : 0;
#if defined(GOPOOL_ASAN) || defined(GOPOOL_TSAN)
  budget /= 4;  // the sanitizers' runtimes map a great deal themselves
#endif
  return budget;
}

[[noreturn]] void throw_map_error(std::size_t bytes) {
  throw std::system_error(
      errno, std::generic_category(),
      "gopool: cannot map a goroutine stack of " + std::to_string(bytes) + " bytes");
}

char* map_region(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) throw_map_error(bytes);
  return static_cast<char*>(p);
}

void refill_slab(StackState& s) {
  const std::size_t page = page_size();
  // Layout: a guard page, a page whose top word is the lowest stack's canary, then the stacks.
  // Each stack's top word is the canary of the stack above it, written when that one is handed
  // out, so the unused part of a slab costs no memory.
  const std::size_t bytes = 2 * page + kSlabStacks * s.default_size;
  char* region = map_region(bytes);
  mprotect(region, page, PROT_NONE);
  for (std::size_t i = 0; i < kSlabStacks; ++i) {
    s.slab_free.push_back(region + 2 * page + i * s.default_size);
  }
}

long process_madvise(int pidfd, iovec* iov, std::size_t n, int advice) noexcept {
  return syscall(SYS_process_madvise, pidfd, iov, n, advice, 0U);
}

// Applies advice to every range in iov, kIovMax at a time; false if any call failed.
bool advise_all(int pidfd, std::vector<iovec>& iov, int advice) noexcept {
  for (std::size_t i = 0; i < iov.size(); i += kIovMax) {
    if (process_madvise(pidfd, iov.data() + i, std::min(kIovMax, iov.size() - i), advice) < 0) {
      return false;
    }
  }
  return true;
}

// A pidfd naming this process (the target of process_madvise), or -1.
int open_self_pidfd() noexcept {
  return static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0U));
}

// The batched mode needs process_madvise with MADV_GUARD_INSTALL and MADV_POPULATE_WRITE on
// our own address space; probe both once on a scratch mapping.
int open_batch_pidfd() noexcept {
  const int fd = open_self_pidfd();
  if (fd < 0) return -1;
  const std::size_t page = page_size();
  void* probe = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  bool ok = probe != MAP_FAILED;
  if (ok) {
    iovec guard{probe, page};
    iovec fill{static_cast<char*>(probe) + page, page};
    ok = process_madvise(fd, &guard, 1, kMadvGuardInstall) == static_cast<long>(page) &&
         process_madvise(fd, &fill, 1, kMadvPopulateWrite) == static_cast<long>(page);
    munmap(probe, 2 * page);
  }
  if (!ok) {
    close(fd);
    return -1;
  }
  return fd;
}

// The pidfd to advise this process's memory with, or -1. A forked child inherited a pidfd that
// names its parent, whose memory it must never touch: it opens its own. Called with slab_mu held.
int own_pidfd_locked(StackState& s) noexcept {
  if (s.pidfd >= 0 && s.forked.exchange(false, std::memory_order_relaxed)) {
    close(s.pidfd);
    s.pidfd = open_self_pidfd();
  }
  return s.pidfd;
}

// Maps a slab of guarded default-size stacks and pre-faults each one's top page (which holds
// the G and the first frames). Called with slab_mu held.
void refill_batch(StackState& s) {
  const std::size_t page = page_size();
  if (own_pidfd_locked(s) < 0) throw_map_error(page);
  const std::size_t stride = page + s.default_size;
  const std::size_t count = s.next_batch;
  // Room for every stack on both free lists, so that stack_free never allocates.
  s.batch_free.reserve(s.batch_total + count);
  s.batch_cold.reserve(s.batch_total + count);
  char* region = map_region(count * stride);
  s.iov.clear();
  for (std::size_t i = 0; i < count; ++i) {
    s.iov.push_back({region + i * stride, page});
  }
  if (!advise_all(s.pidfd, s.iov, kMadvGuardInstall)) {
    const int err = errno;
    munmap(region, count * stride);
    errno = err;
    throw_map_error(count * stride);
  }
  for (std::size_t i = 0; i < count; ++i) {
    s.iov[i].iov_base = region + (i + 1) * stride - page;
  }
  (void)advise_all(s.pidfd, s.iov, kMadvPopulateWrite);  // only an optimization
  for (std::size_t i = count; i > 0; --i) {
    s.batch_free.push_back(region + (i - 1) * stride + page);  // lowest address used first
  }
  s.batch_total += count;
  s.next_batch = std::min(2 * count, kSlabStacks);
}

// MADV_DONTNEED on n ranges: one process_madvise for several (one TLB shootdown for all,
// which on a VM costs more than the zapping), plain madvise for one or two (process_madvise
// costs more per call) or when it is unavailable or fails. Takes slab_mu only to batch.
void advise_dontneed(StackState& s, iovec* iov, std::size_t n) noexcept {
  if (n >= kBatchAdviceMin) {
    int pidfd = -1;
    {
      std::lock_guard lock(s.slab_mu);
      pidfd = own_pidfd_locked(s);
    }
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < n; ++i)
      bytes += iov[i].iov_len;
    if (pidfd >= 0 && process_madvise(pidfd, iov, n, MADV_DONTNEED) == static_cast<long>(bytes)) {
      return;
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    madvise(iov[i].iov_base, iov[i].iov_len, MADV_DONTNEED);
}

// Gives back up to kFreeChunk batched stacks (iov: each one's whole range). A few free stacks
// keep their top page, faulted in and ready for the next goroutine; the rest give all their
// memory back, so a burst of goroutines leaves nothing resident. The guard marker below each
// stack stays either way.
void release_batched(StackState& s, iovec* iov, std::size_t n) noexcept {
  const std::size_t page = page_size();
  std::unique_lock lock(s.slab_mu);
  const std::size_t room =
      s.batch_free.size() < kWarmBatchStacks ? kWarmBatchStacks - s.batch_free.size() : 0;
  const std::size_t warm = std::min(n, room);
  lock.unlock();
  for (std::size_t i = 0; i < warm; ++i)
    iov[i].iov_len -= page;
  advise_dontneed(s, iov, n);
  lock.lock();
  for (std::size_t i = 0; i < n; ++i) {
    (i < warm ? s.batch_free : s.batch_cold).push_back(static_cast<char*>(iov[i].iov_base));
  }
  s.guarded_alive.fetch_sub(n, std::memory_order_relaxed);
}

}  // namespace

std::size_t page_size() noexcept {
  static const auto size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t round_stack_size(std::size_t size) noexcept {
  const std::size_t page = page_size();
  return (size + page - 1) / page * page;
}

void stacks_configure(std::size_t default_size, std::size_t guarded_budget,
                      bool guard_markers) noexcept {
  StackState& s = state();
  s.default_size = round_stack_size(default_size);
  s.guarded_budget = guarded_budget != 0 ? guarded_budget : derived_budget();
  if (guard_markers && s.pidfd < 0) {
    s.pidfd = open_batch_pidfd();
    // A flag set at fork instead of a getpid() per call: that is a real syscall.
    pthread_atfork(nullptr, nullptr, [] { state().forked.store(true, std::memory_order_relaxed); });
  }
}

Stack stack_allocate(std::size_t size) {
  StackState& s = state();
  const std::size_t page = page_size();
  size = round_stack_size(size);
  Stack stack;
  stack.size = size;
  if (s.pidfd >= 0 && size == s.default_size) {
    std::lock_guard lock(s.slab_mu);
    if (!s.batch_free.empty()) {
      stack.base = s.batch_free.back();
      s.batch_free.pop_back();
    } else if (!s.batch_cold.empty()) {
      stack.base = s.batch_cold.back();
      s.batch_cold.pop_back();
      (void)madvise(stack.top() - page, page, kMadvPopulateWrite);  // cheaper than the fault
    } else {
      refill_batch(s);
      stack.base = s.batch_free.back();
      s.batch_free.pop_back();
    }
    stack.kind = Stack::Kind::batched;
    s.guarded_alive.fetch_add(1, std::memory_order_relaxed);
    return stack;
  }
  if (s.pidfd >= 0) {
    // Other sizes get a guard marker of their own: it costs no map entry, so no budget limits
    // it, and no stack of any size goes unguarded on a kernel that has markers.
    char* region = map_region(size + page);
    if (madvise(region, page, kMadvGuardInstall) != 0) {
      const int err = errno;
      munmap(region, size + page);
      errno = err;
      throw_map_error(size + page);
    }
    s.guarded_alive.fetch_add(1, std::memory_order_relaxed);
    stack.base = region + page;
    stack.kind = Stack::Kind::guarded;
    return stack;
  }
  if (s.guarded_alive.load(std::memory_order_relaxed) < s.guarded_budget) {
    char* region = map_region(size + page);
    if (mprotect(region, page, PROT_NONE) != 0) {
      munmap(region, size + page);
      throw_map_error(size + page);
    }
    s.guarded_alive.fetch_add(1, std::memory_order_relaxed);
    stack.base = region + page;
    stack.kind = Stack::Kind::guarded;
    return stack;
  }
  if (!s.slab_mode_logged.exchange(true)) {
    runtime_log().warn(
        "gopool: {} guarded goroutine stacks reached the map-entry budget (vm.max_map_count); "
        "further stacks come from slabs, checked by a canary at every switch",
        s.guarded_budget);
  }
  if (size == s.default_size) {
    std::lock_guard lock(s.slab_mu);
    if (s.slab_free.empty()) refill_slab(s);
    stack.base = s.slab_free.back();
    s.slab_free.pop_back();
    stack.kind = Stack::Kind::slab;
    // The word just below this stack is the top word of its lower neighbour (or of the slab's
    // canary page): an overflow hits it first.
    stack.canary = reinterpret_cast<std::uint64_t*>(stack.base) - 1;
    *stack.canary = kStackCanary;
    s.slab_alive.fetch_add(1, std::memory_order_relaxed);
  } else {
    stack.base = map_region(size);
    stack.kind = Stack::Kind::plain;
    stack.canary = reinterpret_cast<std::uint64_t*>(stack.base);
    *stack.canary = kStackCanary;
  }
  return stack;
}

void stack_free(Stack& stack) noexcept {
  StackState& s = state();
  const std::size_t page = page_size();
  switch (stack.kind) {
    case Stack::Kind::guarded:
      munmap(stack.base - page, stack.size + page);
      s.guarded_alive.fetch_sub(1, std::memory_order_relaxed);
      break;
    case Stack::Kind::slab: {
      // Give the memory back but keep the top page, which holds the neighbour's canary.
      madvise(stack.base, stack.size - page, MADV_DONTNEED);
      std::lock_guard lock(s.slab_mu);
      s.slab_free.push_back(stack.base);
      s.slab_alive.fetch_sub(1, std::memory_order_relaxed);
      break;
    }
    case Stack::Kind::batched: {
      iovec whole{stack.base, stack.size};
      release_batched(s, &whole, 1);
      break;
    }
    case Stack::Kind::plain:
      munmap(stack.base, stack.size);
      break;
    case Stack::Kind::none:
      break;
  }
  stack = Stack{};
}

void stack_free_all(Stack* stacks, std::size_t n) noexcept {
  StackState& s = state();
  iovec iov[kFreeChunk];
  std::size_t pending = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (stacks[i].kind != Stack::Kind::batched) {
      stack_free(stacks[i]);
      continue;
    }
    iov[pending++] = {stacks[i].base, stacks[i].size};
    stacks[i] = Stack{};
    if (pending == kFreeChunk) {
      release_batched(s, iov, pending);
      pending = 0;
    }
  }
  if (pending != 0) release_batched(s, iov, pending);
}

namespace {

// The part of a stack below its top keep_bytes that trimming gives back (len 0: nothing).
iovec trim_range(const Stack& stack, std::size_t keep_bytes) noexcept {
  const std::size_t keep = round_stack_size(keep_bytes);
  if (keep >= stack.size) return {stack.base, 0};
  char* start = stack.base;
  std::size_t len = stack.size - keep;
  if (stack.kind == Stack::Kind::plain) {  // keep the canary page
    start += page_size();
    len -= page_size();
  }
  return {start, len};
}

}  // namespace

void stack_trim(const Stack& stack, std::size_t keep_bytes) noexcept {
  stack_trim_all(&stack, 1, keep_bytes);
}

void stack_trim_all(const Stack* stacks, std::size_t n, std::size_t keep_bytes) noexcept {
  StackState& s = state();
  iovec iov[kFreeChunk];
  for (std::size_t i = 0; i < n;) {
    std::size_t k = 0;
    for (; i < n && k < kFreeChunk; ++i) {
      const iovec range = trim_range(stacks[i], keep_bytes);
      if (range.iov_len != 0) iov[k++] = range;
    }
    if (k != 0) advise_dontneed(s, iov, k);
  }
}

bool stack_overflow_fault(const Stack& stack, const void* addr, const void* sp) noexcept {
  if (!stack) return false;
  const auto base = reinterpret_cast<std::uintptr_t>(stack.base);
  const auto a = reinterpret_cast<std::uintptr_t>(addr);
  const auto p = reinterpret_cast<std::uintptr_t>(sp);
  // The page below the stack is its guard (guarded, batched) or the first page an overflow of
  // a slab or plain stack reaches; a push or call that faults there leaves sp at the base.
  if (a < base && base - a <= page_size()) return true;
  // A stack pointer below the base: the goroutine's frames ran past its stack, whatever faulted
  // (a big frame's probe, the end of the memory below a slab stack, or a sanitizer's own
  // bookkeeping of a recursion that deep).
  return p < base && base - p <= kMaxStackSize;
}

std::size_t stacks_guarded_alive() noexcept {
  return state().guarded_alive.load();
}
std::size_t stacks_slab_alive() noexcept {
  return state().slab_alive.load();
}

}  // namespace gopool::detail
