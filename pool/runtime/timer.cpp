#include <stdexcept>
#include <thread>
#include <utility>

#include "runtime/g.hpp"
#include "runtime/parker.hpp"
#include "runtime/scheduler.hpp"
#include "runtime/timer_heap.hpp"

namespace gopool::detail {
namespace {
thread_local Timer* tl_firing = nullptr;  // the callback timer this thread is running
}  // namespace

std::int64_t nanotime() noexcept {
  return to_ns(std::chrono::steady_clock::now());
}

std::int64_t TimerAccess::when(const Timer* t) {
  return to_ns(t->when_);
}

void TimerAccess::set(Timer* t, std::chrono::steady_clock::time_point when, std::uint8_t kind,
                      void* g) {
  t->when_ = when;
  t->kind_ = kind;
  t->g_ = g;
}

void TimerAccess::set_callback(Timer* t, Task fn) {
  t->fn_ = std::move(fn);
}

namespace {
constexpr std::size_t kArity = 4;

// Firing a timer touches its line and, for a goroutine's, the goroutine's parker: two cold
// misses in a row. A lane knows which timers come next, so run_due starts loading them early:
// the timer a few entries ahead, and the parker of one whose timer line was asked for earlier.
// (Written inline there: GCC deletes a call to a helper that only prefetches as side-effect
// free.)
constexpr std::size_t kTimerAhead = 4;
constexpr std::size_t kParkerAhead = 2;
}  // namespace

void TimerHeap::LaneMoved::operator()(Timer* t, std::uint32_t slot) const noexcept {
  t->index_ = static_cast<std::int32_t>(slot);
}

void TimerHeap::place(std::size_t i, Entry e) {
  heap[i] = e;
  e.timer->index_ = static_cast<std::int32_t>(i);
}

void TimerHeap::sift_up(std::size_t i, Entry e) {
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (heap[parent].when <= e.when) break;
    place(i, heap[parent]);
    i = parent;
  }
  place(i, e);
}

void TimerHeap::sift_down(std::size_t i, Entry e) {
  const std::size_t n = heap.size();
  for (;;) {
    const std::size_t first = kArity * i + 1;
    if (first >= n) break;
    const std::size_t end = first + kArity < n ? first + kArity : n;
    std::size_t least = first;
    for (std::size_t c = first + 1; c < end; ++c) {
      if (heap[c].when < heap[least].when) least = c;
    }
    if (e.when <= heap[least].when) break;
    place(i, heap[least]);
    i = least;
  }
  place(i, e);
}

std::size_t TimerHeap::earliest_locked(std::int64_t& when) const {
  std::size_t where = kLanes;
  when = heap.empty() ? kNoDeadline : heap.front().when;
  for (std::size_t l = 0; l < kLanes; ++l) {
    if (!lanes[l].empty() && lanes[l].front().when < when) {
      when = lanes[l].front().when;
      where = l;
    }
  }
  return where;
}

void TimerHeap::update_next() {
  std::int64_t when = kNoDeadline;
  (void)earliest_locked(when);
  next.store(when, std::memory_order_release);
}

std::size_t TimerHeap::size_locked() const {
  std::size_t n = heap.size();
  for (const TimerLane& lane : lanes)
    n += lane.live();
  return n;
}

void TimerHeap::push_locked(Timer* t) {
  const Entry e{to_ns(t->when_), t};
  std::size_t best = kLanes;  // the fitting lane with the latest last deadline
  std::size_t vacant = kLanes;
  for (std::size_t l = 0; l < kLanes; ++l) {
    if (lanes[l].empty()) {
      if (vacant == kLanes) vacant = l;
    } else if (lanes[l].back_when() <= e.when &&
               (best == kLanes || lanes[l].back_when() > lanes[best].back_when())) {
      best = l;
    }
  }
  if (best == kLanes) best = vacant;
  if (best != kLanes) {
    t->index_ = static_cast<std::int32_t>(lanes[best].push(e, LaneMoved{}));
    t->lane_ = static_cast<std::uint8_t>(best + 1);
  } else {
    heap.push_back(e);
    t->lane_ = 0;
    sift_up(heap.size() - 1, e);
  }
  t->heap_.store(this, std::memory_order_release);
  if (e.when < next.load(std::memory_order_relaxed)) {
    next.store(e.when, std::memory_order_release);
  }
}

void TimerHeap::remove_from_heap(Timer* t) {
  const auto i = static_cast<std::size_t>(t->index_);
  const Entry last = heap.back();
  heap.pop_back();
  if (last.timer != t) {
    if (i > 0 && last.when < heap[(i - 1) / kArity].when) {
      sift_up(i, last);
    } else {
      sift_down(i, last);
    }
  }
}

void TimerHeap::remove_locked(Timer* t) {
  take_locked(t);
  update_next();
}

void TimerHeap::take_locked(Timer* t) {
  if (t->lane_ == 0) {
    remove_from_heap(t);
  } else {
    lanes[t->lane_ - 1].remove(static_cast<std::uint32_t>(t->index_), LaneMoved{});
    t->lane_ = 0;
  }
  t->index_ = -1;
  t->heap_.store(nullptr, std::memory_order_release);
}

int TimerHeap::run_due(std::int64_t now, void (*ready)(G*)) {
  if (next.load(std::memory_order_acquire) > now) return 0;
  // Goroutine wake-ups are taken a batch per lock hold and readied after it; a callback ends
  // the batch, as it runs outside the lock.
  constexpr int kBatch = 32;
  G* wake[kBatch];
  int fired = 0;
  for (bool more = true; more;) {
    int woken = 0;
    Timer* callback = nullptr;
    Task fn;
    {
      std::lock_guard guard(lock);
      while (woken < kBatch) {
        std::int64_t when = kNoDeadline;
        const std::size_t where = earliest_locked(when);
        if (when > now) {
          more = false;
          break;
        }
        Timer* t = where == kLanes ? heap.front().timer : lanes[where].front().timer;
        if (where != kLanes) {
          if (const Timer* far = lanes[where].peek(kTimerAhead)) __builtin_prefetch(far);
          const Timer* near = lanes[where].peek(kParkerAhead);
          if (near != nullptr && near->kind_ == kTimerWakeG) {
            __builtin_prefetch(&static_cast<G*>(near->g_)->parker, 1);
          }
        }
        ++fired;
        // Everything read from or done to *t happens before take_locked publishes it as
        // disarmed: from then on its owner may re-arm it, or destroy it unless running_ says
        // a callback still runs.
        if (t->kind_ == kTimerWakeG) {
          G* g = static_cast<G*>(t->g_);
          if (timeout_park(&g->parker)) wake[woken++] = g;
          take_locked(t);
          continue;
        }
        t->running_.fetch_add(1, std::memory_order_relaxed);
        fn = std::move(t->fn_);
        callback = t;
        take_locked(t);
        break;
      }
      update_next();
    }
    for (int i = 0; i < woken; ++i)
      ready(wake[i]);
    if (callback != nullptr) {
      Timer* outer = tl_firing;
      tl_firing = callback;
      fn();
      tl_firing = outer;
      callback->running_.fetch_sub(1, std::memory_order_release);  // last touch of *callback
    }
  }
  return fired;
}

void TimerHeap::move_all_to(TimerHeap& to) {
  std::vector<Entry> moved;
  {
    std::lock_guard guard(lock);
    moved.swap(heap);
    for (TimerLane& lane : lanes)
      lane.take_all(moved);
    for (const Entry& e : moved) {
      e.timer->index_ = -1;
      e.timer->lane_ = 0;
    }
    update_next();
    std::lock_guard guard_to(to.lock);
    for (const Entry& e : moved)
      to.push_locked(e.timer);
  }
}

Timer::~Timer() {
  stop();
}

void Timer::start(std::chrono::steady_clock::time_point deadline, Task fn) {
  if (!fn) throw std::invalid_argument("gopool: Timer::start with an empty callback");
  if (heap_.load(std::memory_order_acquire) != nullptr) {
    throw std::logic_error("gopool: Timer::start on an armed timer");
  }
  fn_ = std::move(fn);
  TimerAccess::set(this, deadline, kTimerCallback, nullptr);
  timer_arm(this);
}

bool Timer::stop() noexcept {
  for (;;) {
    TimerHeap* h = heap_.load(std::memory_order_acquire);
    if (h == nullptr) break;
    Task dropped;  // destroyed after the lock is released
    {
      std::lock_guard guard(h->lock);
      if (heap_.load(std::memory_order_relaxed) != h) continue;  // moved to another P meanwhile
      h->remove_locked(this);
      dropped = std::move(fn_);
    }
    return true;
  }
  if (tl_firing != this) {
    while (running_.load(std::memory_order_acquire) != 0)
      std::this_thread::yield();
  }
  return false;
}

bool Timer::armed() const noexcept {
  return heap_.load(std::memory_order_acquire) != nullptr;
}

}  // namespace gopool::detail
