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

namespace {
constexpr std::size_t kArity = 4;
}  // namespace

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

void TimerHeap::update_next() {
  next.store(heap.empty() ? kNoDeadline : heap.front().when, std::memory_order_release);
}

void TimerHeap::push_locked(Timer* t) {
  heap.push_back({to_ns(t->when_), t});
  sift_up(heap.size() - 1, heap.back());
  t->heap_.store(this, std::memory_order_release);
  update_next();
}

void TimerHeap::remove_locked(Timer* t) {
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
  t->index_ = -1;
  t->heap_.store(nullptr, std::memory_order_release);
  update_next();
}

int TimerHeap::run_due(std::int64_t now, void (*ready)(G*)) {
  if (next.load(std::memory_order_acquire) > now) return 0;
  int fired = 0;
  for (;;) {
    Timer* callback = nullptr;
    Task fn;
    G* wake = nullptr;
    {
      std::lock_guard guard(lock);
      if (heap.empty() || heap.front().when > now) break;
      Timer* t = heap.front().timer;
      ++fired;
      // Everything read from or done to *t happens before remove_locked publishes it as
      // disarmed: from then on its owner may re-arm it, or destroy it unless running_ says a
      // callback still runs.
      if (t->kind_ == kTimerWakeG) {
        G* g = static_cast<G*>(t->g_);
        if (timeout_park(&g->parker)) wake = g;
      } else {
        t->running_.fetch_add(1, std::memory_order_relaxed);
        fn = std::move(t->fn_);
        callback = t;
      }
      remove_locked(t);
    }
    if (wake != nullptr) ready(wake);
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
    for (const Entry& e : moved)
      e.timer->index_ = -1;
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
