// The G-P-M scheduler. The shape follows Go's proc.go: each M holds a P and looks for work in
// runnext, the P's ring, the global queue (every 61st tick first), timers, then steals half of
// another P's ring; at most a few Ms spin, and an M that finds nothing gives its P back and
// parks on a futex until work or the next timer. Goroutines switch directly to the next one
// when the P has one, and through the M's own stack (g0) otherwise.
#include "runtime/scheduler.hpp"

#include "gopool/detail/goroutine_info.hpp"
#include "gopool/detail/tuning.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "runtime/chaos.hpp"
#include "runtime/fatal.hpp"
#include "runtime/futex.hpp"
#include "runtime/log.hpp"
#include "runtime/membarrier.hpp"
#include "runtime/netpoll.hpp"
#include "runtime/sysmon.hpp"

namespace gopool::detail {
namespace {

constexpr int kFreeListMax = 64;             // per-P dead goroutines kept, as in Go
constexpr int kGlobalFreeMax = 8192;         // more dead goroutines than this are unmapped
constexpr int kGlobalUntrimmed = 256;        // dead goroutines cached globally without a trim
constexpr std::size_t kDeepUse = 16 * 1024;  // deeper use returns the stack's pages on reuse
constexpr std::size_t kSignalStackSize = 64 * 1024;
constexpr std::size_t kResumeLines = 8;  // stack lines a resumed goroutine returns through

std::atomic<Sched*> g_sched{nullptr};
std::once_flag g_start_once;
std::mutex g_options_mu;
RuntimeOptions g_options;

}  // namespace

// The thread's M. Named for the asm of current_m() (scheduler.hpp), hidden outside the library.
__attribute__((visibility("hidden"))) thread_local M* tl_m asm("gopool_tl_m") = nullptr;

namespace {

// Solo mode: while exactly one P is alive, no thief can reach its run queue (see "solo mode"
// below). Read at every switch: on a line of its own, written only when a P is born or dies,
// under Sched::mu.
alignas(64) std::atomic<bool> g_solo{false};
bool g_solo_capable = false;  // the kernel has the barrier that leaving solo mode needs; set once

struct sigaction g_previous_segv {};

void sched_start();

// ---- run queues -------------------------------------------------------------------------

void global_put(Sched& s, G* g) noexcept {
  s.runq.enqueue(g);
  s.runq_count.fetch_add(1, std::memory_order_seq_cst);
}

void global_put_batch(Sched& s, G** gs, std::size_t n) noexcept {
  s.runq.enqueue_bulk(gs, n);
  s.runq_count.fetch_add(static_cast<std::int64_t>(n), std::memory_order_seq_cst);
}

// Takes one goroutine from the global queue; with batch, also moves a fair share to p.
G* global_get(Sched& s, P* p, bool batch) noexcept {
  if (s.runq_count.load(std::memory_order_relaxed) <= 0) return nullptr;
  G* got[64];
  std::size_t want = 1;
  if (batch) {
    const auto n = s.runq_count.load(std::memory_order_relaxed);
    const auto share = n / std::max(1, s.nprocs.load(std::memory_order_relaxed)) + 1;
    want = static_cast<std::size_t>(std::min<std::int64_t>(
        {share, 64, static_cast<std::int64_t>(RunQueue::kSize / 2 - p->runq.size() / 2)}));
    want = std::max<std::size_t>(want, 1);
  }
  const std::size_t n = s.runq.try_dequeue_bulk(got, want);
  if (n == 0) return nullptr;
  s.runq_count.fetch_sub(static_cast<std::int64_t>(n), std::memory_order_seq_cst);
  for (std::size_t i = 1; i < n; ++i) {
    if (!p->runq.push(got[i])) global_put(s, got[i]);
  }
  return got[0];
}

__attribute__((noinline)) void runq_put_slow(P* p, G* g) noexcept {
  // Full: move half of the ring and g to the global queue, as Go's runqputslow.
  Sched& s = *g_sched.load(std::memory_order_relaxed);
  G* batch[RunQueue::kSize / 2 + 1];
  const std::uint32_t n = p->runq.grab(batch, RunQueue::kSize / 2);
  batch[n] = g;
  global_put_batch(s, batch, n + 1);
}

// ---- solo mode ----------------------------------------------------------------------------
// A P's owner races thieves for the head of its ring and for its runnext, so it takes from them
// with a compare-and-swap or an exchange: about 5 ns each here, two or three per hand-off. While
// only one P is alive (procs = 1, no spare standing in for a hogged P) there is no thief, and
// the owner uses plain stores. The owner pays no fence for it: it marks itself inside a solo
// section and then re-reads the flag, and the rare side, which ends solo mode before a second P
// can run, clears the flag, lets membarrier_all() put a full barrier in every thread, and waits
// until no owner is inside a section. An owner that re-read the flag before that barrier shows
// its mark to the waiter; one that re-read it after sees the flag cleared.

// True, with p marked as inside a solo section, when p's owner may use plain stores on its
// ring's head and its runnext; end_solo_section(p) must follow.
inline bool begin_solo_section(P* p) noexcept {
  if (!g_solo.load(std::memory_order_relaxed)) return false;
  p->in_solo.store(true, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);  // the mark, then the re-read
  // Acquire: a thief's last steal from this P, before the P it held died, happens before.
  if (g_solo.load(std::memory_order_acquire)) return true;
  p->in_solo.store(false, std::memory_order_relaxed);
  return false;
}

inline void end_solo_section(P* p) noexcept {
  p->in_solo.store(false, std::memory_order_release);
}

// Enters solo mode if exactly one P is alive. s.mu held (Ps are born and die under it).
void update_solo_locked(Sched& s) noexcept {
  if (!g_solo_capable || g_solo.load(std::memory_order_relaxed)) return;
  int alive = 0;
  for_each_p_ever(s, [&](const P* p) {
    if (p->status.load(std::memory_order_acquire) != PStatus::dead) ++alive;
  });
  if (alive == 1) g_solo.store(true, std::memory_order_release);
}

// Leaves solo mode before a second P can run: on return no owner uses plain stores. s.mu held.
void leave_solo_locked(Sched& s) noexcept {
  if (!g_solo.load(std::memory_order_relaxed)) return;
  g_solo.store(false, std::memory_order_seq_cst);
  if (!membarrier_all()) {
    fatal("membarrier failed after it was registered", nullptr);
  }
  for_each_p_ever(s, [](const P* p) {
    // A section is a few instructions, unless its thread was preempted inside it.
    for (int spins = 0; p->in_solo.load(std::memory_order_acquire); ++spins) {
      if (spins > 64) std::this_thread::yield();
    }
  });
}

inline void runq_put(P* p, G* g, bool next) noexcept {
  if (next) {
    if (begin_solo_section(p)) {
      G* const old = p->runnext.load(std::memory_order_relaxed);
      p->runnext.store(g, std::memory_order_relaxed);
      end_solo_section(p);
      g = old;
    } else {
      g = p->runnext.exchange(g, std::memory_order_acq_rel);
    }
    if (g == nullptr) return;
  }
  if (!p->runq.push(g)) [[unlikely]] {
    runq_put_slow(p, g);
  }
}

G* runq_get(P* p) noexcept {
  if (begin_solo_section(p)) {
    G* g = p->runnext.load(std::memory_order_relaxed);
    if (g != nullptr) {
      p->runnext.store(nullptr, std::memory_order_relaxed);
    } else {
      g = p->runq.pop_unshared();
    }
    end_solo_section(p);
    return g;
  }
  if (p->runnext.load(std::memory_order_relaxed) != nullptr) {
    if (G* g = p->runnext.exchange(nullptr, std::memory_order_acq_rel)) return g;
  }
  return p->runq.pop();
}

bool p_has_work(const P* p) noexcept {
  return !p->runq.empty() || p->runnext.load(std::memory_order_acquire) != nullptr;
}

// Calls fn for every P not dead, spares included.
template <class Fn>
void for_each_p(Sched& s, Fn&& fn) {
  const int n = s.allp_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    P* p = s.allp[i].load(std::memory_order_acquire);
    if (p != nullptr && p->status.load(std::memory_order_acquire) != PStatus::dead) fn(p);
  }
  const int spares = s.spare_count.load(std::memory_order_acquire);
  for (int i = 0; i < spares; ++i) {
    P* p = s.spares[i].load(std::memory_order_acquire);
    if (p != nullptr && p->status.load(std::memory_order_acquire) != PStatus::dead) fn(p);
  }
}

bool work_available(Sched& s) noexcept {
  if (s.runq_count.load(std::memory_order_seq_cst) > 0) return true;
  bool found = false;
  for_each_p(s, [&](P* p) { found = found || p_has_work(p); });
  return found;
}

std::int64_t earliest_timer(Sched& s) noexcept {
  std::int64_t earliest = kNoDeadline;
  for_each_p(s, [&](P* p) {
    earliest = std::min(earliest, p->timers.next.load(std::memory_order_acquire));
  });
  return earliest;
}

// ---- idle Ps and Ms (s.mu held) ---------------------------------------------------------

void pidle_put_locked(Sched& s, P* p) noexcept {
  p->status.store(PStatus::idle, std::memory_order_release);
  p->m.store(nullptr, std::memory_order_relaxed);
  p->link = s.pidle;
  s.pidle = p;
  s.npidle.fetch_add(1, std::memory_order_seq_cst);
}

P* pidle_get_locked(Sched& s) noexcept {
  P* p = s.pidle;
  if (p == nullptr) return nullptr;
  s.pidle = p->link;
  p->link = nullptr;
  p->status.store(PStatus::running, std::memory_order_release);
  s.npidle.fetch_sub(1, std::memory_order_seq_cst);
  return p;
}

P* pidle_get(Sched& s) noexcept {
  std::lock_guard lock(s.mu);
  return pidle_get_locked(s);
}

void acquirep(M* m, P* p) noexcept {
  m->p = p;
  // Release: sysmon reads the M through p->m (curg, cpu_clock), so it must see the M built.
  p->m.store(m, std::memory_order_release);
  p->status.store(PStatus::running, std::memory_order_release);
}

void notewakeup(M* m) noexcept {
  m->wake.store(1, std::memory_order_release);
  futex_wake(&m->wake, 1);
}

// Sleeps until woken with a P (returns true, P acquired) or until deadline_ns (false, no P).
bool notesleep(M* m, std::int64_t deadline_ns) noexcept {
  for (;;) {
    if (m->wake.load(std::memory_order_acquire) == 1) {
      m->wake.store(0, std::memory_order_relaxed);
      if (P* p = m->nextp.exchange(nullptr, std::memory_order_acq_rel)) acquirep(m, p);
      return true;
    }
    std::int64_t wait_ns = -1;
    if (deadline_ns != kNoDeadline) {
      wait_ns = deadline_ns - nanotime();
      if (wait_ns <= 0) return false;
    }
    futex_wait(&m->wake, 0, wait_ns);
  }
}

void m_main(M* m);

M* new_m(Sched& s) {
  const int id = s.mcount.fetch_add(1, std::memory_order_relaxed);
  if (id >= s.max_threads) {
    fatal("thread limit exceeded: more OS threads (Ms) needed than RuntimeOptions::max_threads");
  }
  auto* m = new M(id);
  m->rand_state = static_cast<std::uint32_t>(id) * 2654435761u + 1;
  try {
    std::thread(m_main, m).detach();
  } catch (const std::system_error&) {
    fatal("cannot create an OS thread for the scheduler");
  }
  return m;
}

// Starts (or wakes) an M to run p; with p == nullptr it takes an idle P, or does nothing.
void startm(Sched& s, P* p, bool spinning) {
  M* m = nullptr;
  {
    std::lock_guard lock(s.mu);
    if (p == nullptr) {
      p = pidle_get_locked(s);
      if (p == nullptr) {
        if (spinning) s.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
        return;
      }
    }
    if (!s.midle.empty()) {
      m = s.midle.back();
      s.midle.pop_back();
      s.nmidle.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  if (m == nullptr) {
    m = new_m(s);
    m->spinning = spinning;
    m->nextp.store(p, std::memory_order_release);
    notewakeup(m);
    return;
  }
  m->spinning = spinning;
  m->nextp.store(p, std::memory_order_release);
  notewakeup(m);
}

// Wakes an M to spin for work if there is an idle P and nobody spins yet.
void wakep(Sched& s) noexcept {
  if (s.npidle.load(std::memory_order_seq_cst) == 0) return;
  if (s.nmspinning.load(std::memory_order_seq_cst) != 0) return;
  int expected = 0;
  if (!s.nmspinning.compare_exchange_strong(expected, 1, std::memory_order_seq_cst)) return;
  startm(s, nullptr, true);
}

void reset_spinning(Sched& s, M* m) noexcept {
  m->spinning = false;
  const int left = s.nmspinning.fetch_sub(1, std::memory_order_seq_cst) - 1;
  // The last spinner found work: wake another, so that new work finds an M.
  if (left == 0) wakep(s);
}

// Gives away p of an M that is about to block (a locked M): to a new M if there is work.
void give_back_locked(Sched& s, P* p) noexcept;

void handoffp(Sched& s, P* p) {
  if (p_has_work(p) || s.runq_count.load(std::memory_order_seq_cst) > 0 ||
      p->timers.next.load(std::memory_order_acquire) != kNoDeadline) {
    startm(s, p, false);
    return;
  }
  int expected = 0;
  if (s.nmspinning.load() + s.npidle.load() == 0 &&
      s.nmspinning.compare_exchange_strong(expected, 1, std::memory_order_seq_cst)) {
    startm(s, p, true);
    return;
  }
  std::lock_guard lock(s.mu);
  give_back_locked(s, p);
}

// ---- goroutines ---------------------------------------------------------------------------

void unlink_allgs_locked(Sched& s, G* g) noexcept {
  G* last = s.allgs.back();
  s.allgs[g->allgs_index] = last;
  last->allgs_index = g->allgs_index;
  s.allgs.pop_back();
}

#if defined(GOPOOL_TSAN)
// ThreadSanitizer counts every fiber as a thread and dies past 8128 of them (its kMaxTid less
// its own reserve) with a message that names neither goroutines nor gopool. A dead G kept for
// reuse keeps its fiber (creating one costs TSan a ~100 KiB thread state), but when the fibers
// come near the limit, the dead Gs of the global cache give theirs back; only if that is not
// enough is the limit reached, and the runtime says so. kTsanThreadMargin leaves room for the
// Ms, the program's and the sanitizer's own threads, the destroyed fibers TSan keeps in
// quarantine before it reuses their slots, and the dead Gs cached per P (64 each).
constexpr int kTsanThreadLimit = 8128;
constexpr int kTsanThreadMargin = 256;
std::atomic<int> g_tsan_fibers{0};

void detach_tsan_fiber(G* g) noexcept {
  if (g->ctx.tsan_fiber == nullptr) return;
  __tsan_destroy_fiber(g->ctx.tsan_fiber);
  g->ctx.tsan_fiber = nullptr;
  g_tsan_fibers.fetch_sub(1, std::memory_order_relaxed);
}

bool tsan_fibers_full(Sched& s) noexcept {
  return g_tsan_fibers.load(std::memory_order_relaxed) + s.mcount.load(std::memory_order_relaxed) >=
         kTsanThreadLimit - kTsanThreadMargin;
}

// Gives g (fresh, or dead and reused) a fiber if it has none.
void attach_tsan_fiber(Sched& s, G* g) noexcept {
  if (g->ctx.tsan_fiber != nullptr) return;
  if (tsan_fibers_full(s)) {
    // Strip the global cache outside its lock (destroying thousands of fibers takes a while),
    // then put it back; free_count counts it all along.
    G* list = nullptr;
    {
      std::lock_guard lock(s.free_mu);
      list = s.free_head;
      s.free_head = nullptr;
    }
    G* tail = nullptr;
    for (G* dead = list; dead != nullptr; dead = dead->next) {
      detach_tsan_fiber(dead);
      tail = dead;
    }
    if (tail != nullptr) {
      std::lock_guard lock(s.free_mu);
      tail->next = s.free_head;
      s.free_head = list;
    }
  }
  if (tsan_fibers_full(s)) {
    const std::source_location where = g->where.load(std::memory_order_relaxed);
    char message[512];
    std::snprintf(message, sizeof message,
                  "the go() at %s:%u would make %lld goroutines alive at once: more than "
                  "ThreadSanitizer allows (it counts each goroutine as a thread, and stops at %d "
                  "threads)",
                  where.file_name(), static_cast<unsigned>(where.line()),
                  static_cast<long long>(live_goroutines() + 1), kTsanThreadLimit);
    fatal(message);
  }
  g_tsan_fibers.fetch_add(1, std::memory_order_relaxed);
  g->ctx.tsan_fiber = __tsan_create_fiber(0);
}
#endif

// Ends a dead goroutine's G and returns its stack (on which the G itself lives).
Stack retire_g(G* g) noexcept {
#if defined(GOPOOL_TSAN)
  detach_tsan_fiber(g);
#endif
  const Stack stack = g->stack;
  g->~G();
  return stack;
}

void destroy_g(G* g) noexcept {
  Sched& s = *g_sched.load(std::memory_order_relaxed);
  {
    std::lock_guard lock(s.allgs_mu);
    unlink_allgs_locked(s, g);
  }
  Stack stack = retire_g(g);
  stack_free(stack);
}

// Destroys a list of dead goroutines (linked through `next`) and gives their stacks back
// together: one kernel call for up to 64 stacks instead of one each.
void destroy_gs(G* list) noexcept {
  constexpr std::size_t kBatch = 64;
  Sched& s = *g_sched.load(std::memory_order_relaxed);
  while (list != nullptr) {
    Stack stacks[kBatch];
    std::size_t n = 0;
    {
      std::lock_guard lock(s.allgs_mu);
      for (G* g = list; g != nullptr && n < kBatch; g = g->next, ++n)
        unlink_allgs_locked(s, g);
    }
    for (std::size_t i = 0; i < n; ++i) {
      G* g = list;
      list = g->next;
      stacks[i] = retire_g(g);
    }
    stack_free_all(stacks, n);
  }
}

G* new_g(std::size_t stack_size) {
  Stack stack = stack_allocate(stack_size);
  G* g = ::new (static_cast<void*>(g_slot(stack))) G(stack);
  Sched& s = *g_sched.load(std::memory_order_relaxed);
  std::lock_guard lock(s.allgs_mu);
  g->allgs_index = s.allgs.size();
  s.allgs.push_back(g);
  return g;
}

G* take_free_g(Sched& s, P* p) noexcept {
  if (p != nullptr && p->free_head == nullptr && s.free_count.load(std::memory_order_relaxed) > 0) {
    std::lock_guard lock(s.free_mu);
    int moved = 0;
    while (s.free_head != nullptr && p->free_count < kFreeListMax / 2) {
      G* g = s.free_head;
      s.free_head = g->next;
      g->next = p->free_head;
      p->free_head = g;
      ++p->free_count;
      ++moved;
    }
    s.free_count.fetch_sub(moved, std::memory_order_relaxed);
  }
  if (p != nullptr && p->free_head != nullptr) {
    G* g = p->free_head;
    p->free_head = g->next;
    --p->free_count;
    p->recycled.add(1);
    return g;
  }
  if (p == nullptr && s.free_count.load(std::memory_order_relaxed) > 0) {
    std::lock_guard lock(s.free_mu);
    if (G* g = s.free_head) {
      s.free_head = g->next;
      s.free_count.fetch_sub(1, std::memory_order_relaxed);
      return g;
    }
  }
  return nullptr;
}

// A P's cache of dead goroutines overflowed: half of it moves to the global cache, and what
// the global cache has no room for is destroyed: a burst is over, its stacks go back. Past the
// first kGlobalUntrimmed, the goroutines cached are trimmed to the top kDeepUse of their stacks
// first (one kernel call for all of them), since a goroutine may have run deep without a switch
// there to show it in low_water; below that, goroutines that one P spawns and another ends
// pass through the global cache without a kernel call.
void spill_free_gs(Sched& s, P* p) noexcept {
  G* batch[kFreeListMax];
  int n = 0;
  while (p->free_count > kFreeListMax / 2) {
    G* g = p->free_head;
    p->free_head = g->next;
    --p->free_count;
    batch[n++] = g;
  }
  int keep = 0;
  bool trim = false;
  {
    std::lock_guard lock(s.free_mu);
    const int global = s.free_count.load(std::memory_order_relaxed);
    keep = std::clamp(kGlobalFreeMax - global, 0, n);
    trim = global + keep > kGlobalUntrimmed;
    s.free_count.store(global + keep, std::memory_order_relaxed);  // their room, filled below
  }
  if (keep > 0) {
    if (trim) {
      Stack stacks[kFreeListMax];
      for (int i = 0; i < keep; ++i)
        stacks[i] = batch[i]->stack;
      stack_trim_all(stacks, static_cast<std::size_t>(keep), kDeepUse);
    }
    std::lock_guard lock(s.free_mu);
    for (int i = 0; i < keep; ++i) {
      batch[i]->next = s.free_head;
      s.free_head = batch[i];
    }
  }
  G* excess = nullptr;
  for (int i = keep; i < n; ++i) {
    batch[i]->next = excess;
    excess = batch[i];
  }
  destroy_gs(excess);
}

void free_g(Sched& s, P* p, G* g) noexcept {
  g->status.store(GStatus::idle, std::memory_order_relaxed);
  if (!s.recycle.load(std::memory_order_relaxed) || g->stack.size != s.stack_size) {
    destroy_g(g);
    return;
  }
  // Seed 000: Go keeps a dead goroutine's stack only while it is small; here a stack once used
  // deep gives its lower pages back, and keeps its top for the next goroutine.
  if (g->low_water < g->stack.top() - kDeepUse) stack_trim(g->stack, kDeepUse);
  g->low_water = g->stack.top();
  g->next = p->free_head;
  p->free_head = g;
  if (++p->free_count > kFreeListMax) spill_free_gs(s, p);
}

std::uint64_t new_goid(Sched& s, P* p) noexcept {
  constexpr std::uint64_t kBatch = 16;
  if (p == nullptr) return s.goid_gen.fetch_add(1, std::memory_order_relaxed) + 1;
  if (p->goid_next == p->goid_end) {
    p->goid_next = s.goid_gen.fetch_add(kBatch, std::memory_order_relaxed) + 1;
    p->goid_end = p->goid_next + kBatch;
  }
  return p->goid_next++;
}

// Runs what the goroutine that just switched away asked for, now that it is off its stack.
void finish_switch(M* m) noexcept {
  G* g = m->switched_from;
  if (g == nullptr) return;
  m->switched_from = nullptr;
  switch (m->after) {
    case AfterSwitch::yield:
      g->status.store(GStatus::runnable, std::memory_order_relaxed);
      runq_put(m->p, g, false);
      // No runnable goroutine waits while a P is idle.
      wakep(*g_sched.load(std::memory_order_relaxed));
      break;
    case AfterSwitch::park:
      if (!commit_park(&g->parker)) {  // notified or timed out before it got off its stack
        g->status.store(GStatus::runnable, std::memory_order_relaxed);
        runq_put(m->p, g, true);
      }
      break;
    case AfterSwitch::park_on: {
      // Once the CAS succeeds the goroutine belongs to whoever reads park_value from the word:
      // neither it nor the word may be touched here after that.
      std::uint32_t expect = m->park_expect;
      if (!m->park_word->compare_exchange_strong(expect, m->park_value,
                                                 std::memory_order_acq_rel)) {
        g->status.store(GStatus::runnable, std::memory_order_relaxed);
        runq_put(m->p, g, true);  // the word changed before it got off its stack: run it again
      }
      break;
    }
    case AfterSwitch::park_unlock:
      // The lock kept every waker away until now, so a plain store parks it: the unlock's
      // release publishes the mark to the waker that takes the lock next, and from then on the
      // goroutine belongs to that waker, as after park_on's CAS.
      m->park_word->store(m->park_value, std::memory_order_relaxed);
      m->park_lock->unlock();
      break;
    case AfterSwitch::dead:
      free_g(*g_sched.load(std::memory_order_relaxed), m->p, g);
      break;
    case AfterSwitch::yield_global:  // a spent cooperative budget (CoopYield::global)
    case AfterSwitch::to_global: {   // back from blocking() to no free P
      Sched& s = *g_sched.load(std::memory_order_relaxed);
      g->status.store(GStatus::runnable, std::memory_order_relaxed);
      global_put(s, g);
      wakep(s);
      break;
    }
    case AfterSwitch::none:
      break;
  }
  m->after = AfterSwitch::none;
}

[[noreturn]] void g_main(void* arg) {
  G* g = static_cast<G*>(arg);
  context_started();
  finish_switch(current_m());
  try {
    g->task();
  } catch (...) {
    fatal_escaped_exception(g);
  }
  g->task.reset();
  M* m = current_m();
  m->p->exited.add(1);
  if (g->locked_m != nullptr) {
    g->locked_m->locked_g = nullptr;
    g->locked_m = nullptr;
    g->lock_count = 0;
  }
  g->status.store(GStatus::dead, std::memory_order_relaxed);
  switch_out(m, g, AfterSwitch::dead);
  __builtin_unreachable();
}

// ---- finding work (on g0) -----------------------------------------------------------------

G* steal_work(Sched& s, M* m, P* p, std::int64_t now) noexcept {
  const int n = s.allp_count.load(std::memory_order_acquire);
  for (int round = 0; round < 4; ++round) {
    const std::uint32_t start = m->fastrand();
    for (int k = 0; k < n; ++k) {
      P* victim =
          s.allp[(start + static_cast<std::uint32_t>(k)) % static_cast<std::uint32_t>(n)].load(
              std::memory_order_acquire);
      if (victim == nullptr || victim == p ||
          victim->status.load(std::memory_order_acquire) == PStatus::dead) {
        continue;
      }
      if (round == 3 && victim->timers.next.load(std::memory_order_acquire) <= now) {
        victim->timers.run_due(now, &ready);
        if (G* g = runq_get(p)) return g;
      }
      if (G* g = victim->runq.steal_half(p->runq)) {
        p->steals.add(1);
        return g;
      }
      if (round == 3) {
        // Its runnext last. The running goroutine readied it to run next, for locality, and
        // is likely about to switch to it: give it a moment (Go waits ~3 us too).
        G* next = victim->runnext.load(std::memory_order_acquire);
        if (next != nullptr && victim->status.load(std::memory_order_acquire) == PStatus::running) {
          const std::int64_t until = nanotime() + 3000;
          while (nanotime() < until && victim->runnext.load(std::memory_order_acquire) == next) {
          }
          if (G* g = victim->runq.steal_half(p->runq)) {
            p->steals.add(1);
            return g;
          }
          next = victim->runnext.load(std::memory_order_acquire);
        }
        if (next != nullptr && victim->runq.empty() &&
            victim->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) {
          p->steals.add(1);
          return next;
        }
      }
    }
  }
  return nullptr;
}

// Hands everything of p (a P beyond nprocs) to the others and marks it dead. s.mu held.
void retire_p_locked(Sched& s, P* p) noexcept {
  G* batch[RunQueue::kSize + 1];
  std::uint32_t n = p->runq.grab(batch, RunQueue::kSize);
  if (G* next = p->runnext.exchange(nullptr, std::memory_order_acq_rel)) batch[n++] = next;
  if (n > 0) global_put_batch(s, batch, n);
  {
    std::lock_guard lock(s.free_mu);
    while (G* g = p->free_head) {
      p->free_head = g->next;
      g->next = s.free_head;
      s.free_head = g;
      s.free_count.fetch_add(1, std::memory_order_relaxed);
    }
    p->free_count = 0;
  }
  P* p0 = s.allp[0].load(std::memory_order_relaxed);
  if (p0 != p) p->timers.move_all_to(p0->timers);
  p->m.store(nullptr, std::memory_order_relaxed);
  p->status.store(PStatus::dead, std::memory_order_release);
  update_solo_locked(s);
}

// Puts p, which no M holds now, on the idle list; or retires it at once if set_procs has left
// it beyond nprocs (idle, it would wait for an M to take it only to retire it, and keep the
// scheduler out of solo mode meanwhile). s.mu held.
void give_back_locked(Sched& s, P* p) noexcept {
  if (p->retiring.load(std::memory_order_relaxed)) {
    retire_p_locked(s, p);
  } else {
    pidle_put_locked(s, p);
  }
}

// Finds a goroutine to run, parking the M while there is none. Returns with m->p held.
G* find_runnable(Sched& s, M* m) {
  std::int64_t timer_backoff_ns = 0;
  for (;;) {
    P* p = m->p;
    if (p != nullptr && p->retiring.load(std::memory_order_acquire)) {
      std::lock_guard lock(s.mu);
      if (p->retiring.load(std::memory_order_relaxed)) {
        retire_p_locked(s, p);
        m->p = nullptr;
        p = nullptr;
      }
    }
    if (p == nullptr) {
      if (m->spinning) {
        m->spinning = false;
        s.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
      }
      if (work_available(s) || earliest_timer(s) <= nanotime()) {
        if (P* idle = pidle_get(s)) {
          acquirep(m, idle);
          continue;
        }
      }
      // Goroutines wait on fds: one idle M waits in epoll until an fd or the next timer.
      if (netpoll_active() && netpoll_block(earliest_timer(s)) >= 0) continue;
      {
        std::lock_guard lock(s.mu);
        s.midle.push_back(m);
        s.nmidle.fetch_add(1, std::memory_order_relaxed);
      }
      // After a timeout that found no idle P, back off: the busy Ps run their timers.
      const std::int64_t deadline = std::max(earliest_timer(s), nanotime() + timer_backoff_ns);
      if (!notesleep(m, deadline)) {
        std::lock_guard lock(s.mu);
        auto it = std::find(s.midle.begin(), s.midle.end(), m);
        if (it != s.midle.end()) {
          s.midle.erase(it);
          s.nmidle.fetch_sub(1, std::memory_order_relaxed);
          if (P* idle = pidle_get_locked(s)) {
            acquirep(m, idle);
            timer_backoff_ns = 0;
          } else {
            timer_backoff_ns = 1000000;
          }
          continue;
        }
      } else {
        continue;
      }
      // Someone took this M off the idle list and is handing it a P: wait for it.
      notesleep(m, kNoDeadline);
      continue;
    }

    const std::int64_t now = nanotime();
    p->timers.run_due(now, &ready);
    G* g = nullptr;
    const std::uint32_t tick = p->schedtick.load(std::memory_order_relaxed) + 1;
    p->schedtick.store(tick, std::memory_order_relaxed);
    if (tick % 61 == 0) g = global_get(s, p, false);
    if (chaos::roll(chaos::kStealAnyway) && g == nullptr) g = steal_work(s, m, p, now);
    if (g == nullptr) g = runq_get(p);
    if (g == nullptr) g = global_get(s, p, true);
    if (g == nullptr && netpoll_active() && netpoll_poll() > 0) g = runq_get(p);
    if (g == nullptr) {
      if (!m->spinning) {
        const int busy =
            s.nprocs.load(std::memory_order_relaxed) - s.npidle.load(std::memory_order_relaxed);
        if (2 * s.nmspinning.load(std::memory_order_relaxed) < busy) {
          m->spinning = true;
          s.nmspinning.fetch_add(1, std::memory_order_seq_cst);
        }
      }
      if (m->spinning) g = steal_work(s, m, p, now);
    }
    if (g != nullptr) {
      if (m->spinning) reset_spinning(s, m);
      return g;
    }

    // Nothing anywhere: give the P back, then look once more so no wakeup is lost.
    {
      std::lock_guard lock(s.mu);
      if (s.runq_count.load(std::memory_order_seq_cst) > 0) continue;
      m->p = nullptr;
      give_back_locked(s, p);
    }
    const bool was_spinning = m->spinning;
    if (was_spinning) {
      m->spinning = false;
      s.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
    }
    // A seq_cst read-modify-write orders the P's release before the re-check (a fence would
    // do the same, but the thread sanitizer does not model fences).
    s.npidle.fetch_add(0, std::memory_order_seq_cst);
    if (work_available(s) || earliest_timer(s) <= nanotime()) {
      if (P* again = pidle_get(s)) {
        acquirep(m, again);
        if (was_spinning) {
          m->spinning = true;
          s.nmspinning.fetch_add(1, std::memory_order_seq_cst);
        }
      }
    }
  }
}

// Hands m's P to the M that g is wired to, which runs g; m is left without a P.
void hand_to_locked_m(M* m, G* g) noexcept {
  P* p = m->p;
  m->p = nullptr;
  p->m.store(nullptr, std::memory_order_relaxed);
  M* owner = g->locked_m;
  owner->nextp.store(p, std::memory_order_release);
  notewakeup(owner);
}

// A locked M whose goroutine switched out: give the P away and sleep until the goroutine is
// ready and handed back with a P.
void stop_locked_m(Sched& s, M* m) {
  if (P* p = m->p) {
    m->p = nullptr;
    handoffp(s, p);
  }
  notesleep(m, kNoDeadline);
}

// Retires the spare standing in for p: at once if it is idle, else at its M's next
// scheduling point.
void release_spare(Sched& s, P* p) noexcept {
  P* spare = p->hog_spare.exchange(nullptr, std::memory_order_acq_rel);
  if (spare == nullptr) return;
  std::lock_guard lock(s.mu);
  spare->retiring.store(true, std::memory_order_release);
  if (spare->status.load(std::memory_order_acquire) != PStatus::idle) return;
  for (P** link = &s.pidle; *link != nullptr; link = &(*link)->link) {
    if (*link == spare) {
      *link = spare->link;
      spare->link = nullptr;
      s.npidle.fetch_sub(1, std::memory_order_seq_cst);
      retire_p_locked(s, spare);
      return;
    }
  }
}

// A spare P (a dead one reused, or a new one), owned by the caller. nullptr at the limit.
P* take_spare(Sched& s) noexcept {
  std::lock_guard lock(s.mu);
  // With a spare at the limit nothing is returned, but then 64 spares are alive and solo mode
  // is off already: leaving it first costs nothing more.
  leave_solo_locked(s);
  const int n = s.spare_count.load(std::memory_order_relaxed);
  for (int i = 0; i < n; ++i) {
    P* p = s.spares[i].load(std::memory_order_relaxed);
    if (p->status.load(std::memory_order_acquire) == PStatus::dead) {
      p->retiring.store(false, std::memory_order_relaxed);
      p->status.store(PStatus::running, std::memory_order_release);
      return p;
    }
  }
  if (n == Sched::kMaxSpares) return nullptr;
  P* p = new P(Sched::kMaxProcs + n);
  p->spare = true;
  p->status.store(PStatus::running, std::memory_order_release);
  s.spares[n].store(p, std::memory_order_release);
  s.spare_count.store(n + 1, std::memory_order_release);
  return p;
}

// CPU time an M's thread has used, in nanoseconds (a system call: monitor use only).
std::int64_t thread_cpu_ns(const M* m) noexcept {
  timespec ts{};
  if (clock_gettime(m->cpu_clock, &ts) != 0) return 0;
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Logs, once per process, the first goroutine that really ran 10 ms without a switch point.
void warn_long_runner(Sched& s, P* p) {
  static std::atomic<bool> warned{false};
  if (warned.load(std::memory_order_relaxed)) return;
  std::uint64_t id = 0;
  std::source_location where;
  {
    std::lock_guard lock(s.allgs_mu);  // keeps the G from being unmapped while read
    M* m = p->m.load(std::memory_order_acquire);
    G* g = m != nullptr ? m->curg.load(std::memory_order_acquire) : nullptr;
    if (g == nullptr || warned.exchange(true, std::memory_order_relaxed)) return;
    id = g->id.load(std::memory_order_relaxed);
    where = g->where.load(std::memory_order_relaxed);
  }
  runtime_log().warn(
      "gopool: goroutine {} (created at {}:{}) has run for 10 ms without a switch point; a "
      "spare P runs the other goroutines meanwhile (C++ code cannot be preempted: call "
      "gopool::yield() in long loops; this warning is logged once)",
      id, where.file_name(), where.line());
}

}  // namespace

bool retake(Sched& s, std::int64_t now) noexcept {
  constexpr std::int64_t kBlockingGraceNs = 20'000;
  constexpr std::int64_t kLongRunNs = 10'000'000;
  bool acted = false;
  const int n = s.allp_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    P* p = s.allp[i].load(std::memory_order_acquire);
    if (p == nullptr) continue;
    PStatus status = p->status.load(std::memory_order_acquire);
    if (status == PStatus::blocking) {
      if (now - p->blocking_since.load(std::memory_order_relaxed) < kBlockingGraceNs) continue;
      // The M is still inside its blocking call: hand the P to another M.
      if (p->status.compare_exchange_strong(status, PStatus::running, std::memory_order_acq_rel)) {
        p->m.store(nullptr, std::memory_order_relaxed);
        handoffp(s, p);
        acted = true;
      }
      continue;
    }
    const std::uint32_t tick = p->schedtick.load(std::memory_order_relaxed);
    if (status != PStatus::running) {
      // Not running now: whatever runs on it next starts a fresh observation.
      p->sysmon_tick = tick;
      p->sysmon_when = now;
      continue;
    }
    if (tick != p->sysmon_tick) {
      p->sysmon_tick = tick;
      p->sysmon_when = now;
      p->sysmon_cpu = -1;
      continue;
    }
    if (p->hog_spare.load(std::memory_order_relaxed)) continue;
    if (now - p->sysmon_when < kLongRunNs) {
      if (p->sysmon_cpu < 0) {
        if (M* holder = p->m.load(std::memory_order_acquire)) p->sysmon_cpu = thread_cpu_ns(holder);
      }
      continue;
    }
    // Only a goroutine can hog a P; the scheduler itself (firing many timers, say) moves on.
    M* holder = p->m.load(std::memory_order_acquire);
    if (holder == nullptr || holder->curg.load(std::memory_order_acquire) == nullptr) continue;
    const bool others_wait = p_has_work(p) || (s.runq_count.load(std::memory_order_relaxed) > 0 &&
                                               s.npidle.load(std::memory_order_relaxed) == 0);
    if (!others_wait) continue;
    P* spare = take_spare(s);
    if (spare == nullptr) continue;
    p->hog_spare.store(spare, std::memory_order_release);
    // Warn only if the thread really ran: on a loaded machine it may just have been descheduled.
    const std::int64_t cpu = thread_cpu_ns(holder);
    if (p->sysmon_cpu >= 0 && cpu - p->sysmon_cpu >= kLongRunNs / 2) warn_long_runner(s, p);
    startm(s, spare, false);
    acted = true;
  }
  return acted;
}

void enter_blocking() noexcept {
  M* m = current_m();
  if (m == nullptr) return;  // a foreign thread may block as it likes
  if (m->blocking_depth++ > 0) return;
  G* g = m->curg.load(std::memory_order_relaxed);
  P* p = m->p;
  Sched& s = *g_sched.load(std::memory_order_relaxed);
  m->blocking_g = g;
  m->blocking_p = p;
  // Inside the call this thread acts as a foreign one: the code there holds no P.
  m->curg.store(nullptr, std::memory_order_relaxed);
  m->p = nullptr;
  g->wait_since.store(coarse_now_ns(), std::memory_order_relaxed);
  g->wait_reason.store(WaitReason::blocking, std::memory_order_relaxed);
  g->status.store(GStatus::waiting, std::memory_order_relaxed);
  s.nblocking.fetch_add(1, std::memory_order_relaxed);
  p->blocking_since.store(nanotime(), std::memory_order_relaxed);
  p->status.store(PStatus::blocking, std::memory_order_release);
  sysmon_kick();
}

void exit_blocking() noexcept {
  M* m = current_m();
  if (m == nullptr || --m->blocking_depth > 0) return;
  G* g = m->blocking_g;
  P* p = m->blocking_p;
  m->blocking_g = nullptr;
  m->blocking_p = nullptr;
  Sched& s = *g_sched.load(std::memory_order_relaxed);
  s.nblocking.fetch_sub(1, std::memory_order_relaxed);
  g->wait_reason.store(WaitReason::none, std::memory_order_relaxed);
  PStatus expected = PStatus::blocking;
  if (p->status.compare_exchange_strong(expected, PStatus::running, std::memory_order_acq_rel)) {
    m->p = p;  // the call was short, or sysmon did not get to it: keep going
  } else if (P* idle = pidle_get(s)) {
    acquirep(m, idle);
  } else {
    // Every P is busy: queue the goroutine and let this M go idle.
    m->switched_from = g;
    m->after = AfterSwitch::to_global;
    switch_context(&g->ctx, &m->g0, m->eh);
    finish_switch(current_m());
    return;  // resumed on some M that holds a P
  }
  m->curg.store(g, std::memory_order_relaxed);
  g->status.store(GStatus::running, std::memory_order_relaxed);
}

namespace {

void execute(M* m, G* g) noexcept {
  m->curg.store(g, std::memory_order_relaxed);
  g->status.store(GStatus::running, std::memory_order_relaxed);
  m->p->switches.add(1);
  switch_context(&m->g0, &g->ctx, m->eh);
  m->curg.store(nullptr, std::memory_order_relaxed);
}

void segv_handler(int sig, siginfo_t* info, void* ucontext);

void install_signal_stack() {
  void* mem =
      mmap(nullptr, kSignalStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return;
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = kSignalStackSize;
  sigaltstack(&ss, nullptr);
}

void m_main(M* m) {
  tl_m = m;
  m->eh = thread_eh_globals();
  pthread_getcpuclockid(pthread_self(), &m->cpu_clock);
  install_signal_stack();
#if defined(GOPOOL_ASAN)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    std::size_t size = 0;
    pthread_attr_getstack(&attr, &addr, &size);
    m->g0.stack_bottom = addr;
    m->g0.stack_size = size;
    pthread_attr_destroy(&attr);
  }
#endif
#if defined(GOPOOL_TSAN)
  m->g0.tsan_fiber = __tsan_get_current_fiber();
#endif
  Sched& s = *g_sched.load(std::memory_order_acquire);
  notesleep(m, kNoDeadline);  // the creator hands the first P
  for (;;) {
    finish_switch(m);
    if (m->p != nullptr && m->p->hog_spare.load(std::memory_order_relaxed) != nullptr) {
      release_spare(s, m->p);  // the long runner switched: its stand-in can go
    }
    if (m->locked_g != nullptr) {
      stop_locked_m(s, m);
      execute(m, m->locked_g);
      continue;
    }
    G* g = find_runnable(s, m);
    if (g->locked_m != nullptr && g->locked_m != m) {
      hand_to_locked_m(m, g);
      continue;
    }
    execute(m, g);
  }
}

// The stack pointer of the code a signal interrupted.
const void* interrupted_sp(const void* ucontext) noexcept {
  const auto* uc = static_cast<const ucontext_t*>(ucontext);
#if defined(__x86_64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.sp);
#else
#error "gopool: no stack pointer in ucontext_t for this CPU"
#endif
}

void segv_handler(int sig, siginfo_t* info, void* ucontext) {
  M* m = tl_m;
  G* g = m != nullptr ? m->curg.load(std::memory_order_relaxed) : nullptr;
  if (g != nullptr && stack_overflow_fault(g->stack, info->si_addr, interrupted_sp(ucontext))) {
    fatal("stack overflow (goroutine ran past the bottom of its stack)", g);
  }
  // Not ours: restore the previous handler and let the fault happen again under it.
  if ((g_previous_segv.sa_flags & SA_SIGINFO) != 0 && g_previous_segv.sa_sigaction != nullptr) {
    g_previous_segv.sa_sigaction(sig, info, ucontext);
    return;
  }
  sigaction(SIGSEGV, &g_previous_segv, nullptr);
}

void on_process_exit(int status, void*) {
  // As in Go, a process ends when main returns, whatever its goroutines are doing: they are
  // not unwound, and the destructors of static objects they may still use are not run.
  if (live_goroutines() > 0) {
    std::fflush(nullptr);
    _exit(status);
  }
}

void sched_start() {
  RuntimeOptions o;
  {
    std::lock_guard lock(g_options_mu);
    o = g_options;
  }
  if constexpr (chaos::kEnabled) (void)chaos::seed();  // prints the seed once, at start
  auto* s = new Sched();  // never destroyed: goroutines may outlive main
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int procs = std::min(o.procs > 0 ? o.procs : hw, Sched::kMaxProcs);
  s->max_threads = o.max_threads > 0 ? o.max_threads : 10000;
  s->stack_size = round_stack_size(o.stack_size > 0 ? o.stack_size : kDefaultStackSize);
  s->recycle.store(o.recycle, std::memory_order_relaxed);
  s->detect_deadlock = o.detect_deadlock;
  stacks_configure(s->stack_size, o.guarded_stack_budget, o.stack_guard_markers);
  for (int i = 0; i < procs; ++i) {
    P* p = new P(i);
    s->allp[i].store(p, std::memory_order_relaxed);
  }
  s->allp_count.store(procs, std::memory_order_release);
  s->nprocs.store(procs, std::memory_order_release);
  for (int i = procs - 1; i >= 0; --i)
    pidle_put_locked(*s, s->allp[i].load());
  g_solo_capable = membarrier_register();
  update_solo_locked(*s);  // no other thread knows s yet: the lock is not needed
  g_sched.store(s, std::memory_order_release);

  struct sigaction sa {};
  sa.sa_sigaction = segv_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &g_previous_segv);
  on_exit(on_process_exit, nullptr);
  runtime_log();  // created now, so that it outlives what the user's statics may destroy
  sysmon_start(*s);
}

}  // namespace

// ---- the verbs -----------------------------------------------------------------------------

Sched& sched() {
  Sched* s = g_sched.load(std::memory_order_acquire);
  if (s != nullptr) [[likely]] {
    return *s;
  }
  std::call_once(g_start_once, sched_start);
  return *g_sched.load(std::memory_order_acquire);
}

Sched* sched_if_started() noexcept {
  return g_sched.load(std::memory_order_acquire);
}

#if !defined(__x86_64__)
__attribute__((noinline)) M* current_m() noexcept {
  return tl_m;
}
#endif

void queue_ready(G* g) noexcept {
  g->status.store(GStatus::runnable, std::memory_order_relaxed);
  M* m = current_m();
  if (m != nullptr && m->p != nullptr) {
    runq_put(m->p, g, !chaos::roll(chaos::kRunqTail));
  } else {
    global_put(*g_sched.load(std::memory_order_relaxed), g);
  }
}

void wake_idle_p() noexcept {
  wakep(*g_sched.load(std::memory_order_relaxed));
}

void ready(G* g) noexcept {
  queue_ready(g);
  wake_idle_p();
}

void switch_out(M* m, G* cur, AfterSwitch what) noexcept {
  P* p = m->p;
  char* sp = static_cast<char*>(__builtin_frame_address(0));
  if (sp < cur->low_water) cur->low_water = sp;
  cur->coop = kCoopBudget;
  if (sp < cur->stack_floor || !stack_canary_intact(cur->stack)) [[unlikely]] {
    fatal("stack overflow (goroutine ran past the bottom of its stack)", cur);
  }

  G* next = nullptr;
  bool via_g0 = cur->locked_m != nullptr || p->retiring.load(std::memory_order_relaxed) ||
                p->hog_spare.load(std::memory_order_relaxed) != nullptr;
  if (!via_g0) {
    const std::uint32_t tick = p->schedtick.load(std::memory_order_relaxed) + 1;
    p->schedtick.store(tick, std::memory_order_relaxed);
    if (tick % 61 == 0) [[unlikely]] {
      if (p->timers.next.load(std::memory_order_acquire) <= nanotime()) {
        via_g0 = true;  // timers are due: let the scheduler run them
      } else {
        next = global_get(*g_sched.load(std::memory_order_relaxed), p, false);
      }
    }
    if (!via_g0 && next == nullptr) next = runq_get(p);
    const bool yielding = what == AfterSwitch::yield || what == AfterSwitch::yield_global;
    if (next == nullptr && yielding && !via_g0) {
      next = global_get(*g_sched.load(std::memory_order_relaxed), p, true);
      if (next == nullptr) return;  // nothing else to run: keep running
    }
    if (next != nullptr && next->locked_m != nullptr && next->locked_m != m) [[unlikely]] {
      runq_put(p, next, true);  // wired to another thread: the scheduler hands it over
      next = nullptr;
    }
  }

  m->switched_from = cur;
  m->after = what;
  const bool done = what == AfterSwitch::dead;
  if (next != nullptr) {
    // The switch pops next's registers from its stack and then returns through the frames
    // above them, each return waiting for its line when next has been asleep: ask for all of
    // those lines at once. And ask for the first line of the goroutine queued after next, which
    // the following switch reads first. (Written here: GCC drops a helper that only prefetches.)
    const char* resume = static_cast<const char*>(next->ctx.sp);
    for (std::size_t line = 0; line < kResumeLines; ++line) {
      __builtin_prefetch(resume + 64 * line);
    }
    if (const G* after = p->runq.peek()) __builtin_prefetch(after);
    p->switches.add(1);
    m->curg.store(next, std::memory_order_relaxed);
    next->status.store(GStatus::running, std::memory_order_relaxed);
    switch_context(&cur->ctx, &next->ctx, m->eh, done);
  } else {
    m->curg.store(nullptr, std::memory_order_relaxed);
    switch_context(&cur->ctx, &m->g0, m->eh, done);
  }
  finish_switch(current_m());
}

void timer_arm(Timer* t) {
  Sched& s = sched();
  M* m = current_m();
  P* p = m != nullptr ? m->p : nullptr;
  const bool foreign = p == nullptr;
  if (foreign) p = s.allp[0].load(std::memory_order_acquire);
  std::int64_t when = 0;
  {
    std::lock_guard lock(p->timers.lock);
    when = TimerAccess::when(t);  // once unlocked, t may fire, re-arm or die
    p->timers.push_locked(t);
  }
  // An M of this runtime that arms a timer goes through the scheduler before it sleeps and
  // sleeps no longer than the timer; an arm from outside must wake the M blocked in epoll_wait
  // if the new deadline is earlier than its own.
  if (foreign) netpoll_break_for(when);
  // A sleeping M must learn the new deadline: wake one to look (it sleeps again until then).
  if (foreign || s.npidle.load(std::memory_order_seq_cst) > 0) wakep(s);
}

void spawn_goroutine(std::size_t stack_size, Task&& task, const std::source_location& where) {
  Sched& s = sched();
  if (stack_size == 0) stack_size = s.stack_size;
  stack_size = round_stack_size(stack_size);
  M* m = current_m();
  P* p = m != nullptr ? m->p : nullptr;
  G* g = stack_size == s.stack_size && s.recycle.load(std::memory_order_relaxed) ? take_free_g(s, p)
                                                                                 : nullptr;
  if (g == nullptr) {
    g = new_g(stack_size);
  } else {
#if defined(GOPOOL_ASAN)
    // Frames of the goroutine that died here may have left poisoned redzones behind.
    __asan_unpoison_memory_region(
        g->stack.base, static_cast<std::size_t>(reinterpret_cast<char*>(g) - g->stack.base));
#endif
  }
  g->task = std::move(task);
  g->where.store(where, std::memory_order_relaxed);
#if defined(GOPOOL_TSAN)
  attach_tsan_fiber(s, g);
#endif
  g->label.store(nullptr, std::memory_order_relaxed);
  g->group.store(nullptr, std::memory_order_relaxed);
  g->id.store(new_goid(s, p), std::memory_order_relaxed);
  g->wait_reason.store(WaitReason::none, std::memory_order_relaxed);
  g->low_water = g->stack.top();
  g->status.store(GStatus::runnable, std::memory_order_relaxed);
  make_context(&g->ctx, g->stack.base, g, &g_main, g);
  if (p != nullptr) {
    p->spawned.add(1);
    // The ring's tail, not runnext: a plain store instead of an exchange, and goroutines
    // started in a burst run in the order they were started.
    runq_put(p, g, false);
  } else {
    s.foreign_spawned.fetch_add(1, std::memory_order_relaxed);
    global_put(s, g);
  }
  wakep(s);
  if (chaos::roll(chaos::kYield) && m != nullptr && m->curg != nullptr) {
    switch_out(m, m->curg, AfterSwitch::yield);
  }
}

int set_procs_impl(int n) {
  Sched& s = sched();
  static std::mutex serial;
  std::lock_guard serial_lock(serial);
  const int old = s.nprocs.load(std::memory_order_acquire);
  if (n <= 0 || n == old) return old;
  n = std::min(n, Sched::kMaxProcs);
  {
    std::lock_guard lock(s.mu);
    if (n > old) {
      leave_solo_locked(s);
      for (int i = old; i < n; ++i) {
        P* p = s.allp[i].load(std::memory_order_acquire);
        if (p != nullptr) p->retiring.store(false, std::memory_order_relaxed);
        if (p == nullptr) {
          p = new P(i);
          s.allp[i].store(p, std::memory_order_release);
          if (s.allp_count.load() < i + 1) s.allp_count.store(i + 1, std::memory_order_release);
          pidle_put_locked(s, p);
        } else if (p->status.load(std::memory_order_acquire) == PStatus::dead) {
          pidle_put_locked(s, p);
        }
        // A P still running (its retirement not yet noticed) simply carries on.
      }
      s.nprocs.store(n, std::memory_order_release);
    } else {
      s.nprocs.store(n, std::memory_order_release);
      for (int i = n; i < old; ++i) {
        s.allp[i].load(std::memory_order_relaxed)->retiring.store(true, std::memory_order_relaxed);
      }
      // Idle Ps beyond n retire now; running ones retire at their M's next scheduling point.
      P** link = &s.pidle;
      while (*link != nullptr) {
        P* p = *link;
        if (p->id >= n) {
          *link = p->link;
          p->link = nullptr;
          s.npidle.fetch_sub(1, std::memory_order_seq_cst);
          retire_p_locked(s, p);
        } else {
          link = &p->link;
        }
      }
      update_solo_locked(s);
    }
  }
  wakep(s);
  return old;
}

bool solo_mode() noexcept {
  return g_solo.load(std::memory_order_acquire);
}

bool solo_mode_capable() noexcept {
  sched();  // decided at start
  return g_solo_capable;
}

std::int64_t live_goroutines() noexcept {
  Sched* s = g_sched.load(std::memory_order_acquire);
  if (s == nullptr) return 0;
  std::int64_t live = s->foreign_spawned.load(std::memory_order_relaxed);
  for_each_p_ever(*s, [&](P* p) { live += p->spawned.get() - p->exited.get(); });
  return live;
}

void set_recycle(bool on) noexcept {
  sched().recycle.store(on, std::memory_order_relaxed);
}

bool record_options(const RuntimeOptions& options) noexcept {
  std::lock_guard lock(g_options_mu);
  if (g_sched.load(std::memory_order_acquire) != nullptr) return false;
  g_options = options;
  return true;
}

}  // namespace gopool::detail
