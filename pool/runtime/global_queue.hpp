// GlobalQueue: the global run queue, where goroutines made ready without a P (by foreign
// threads, timers, the monitor) and the overflow of full local rings go. It is a
// moodycamel::ConcurrentQueue; under the thread sanitizer it is a locked deque instead, because
// moodycamel synchronizes through fences, which the sanitizer does not model, so every hand-off
// through it would be reported as a race.
#pragma once

#include <cstddef>

#if defined(GOPOOL_TSAN)
#include <deque>
#include <mutex>
#else
#include <concurrentqueue/concurrentqueue.h>
#endif

namespace gopool::detail {

struct G;

class GlobalQueue {
 public:
  void enqueue(G* g) {
#if defined(GOPOOL_TSAN)
    std::lock_guard lock(mu_);
    items_.push_back(g);
#else
    queue_.enqueue(g);
#endif
  }

  void enqueue_bulk(G* const* gs, std::size_t n) {
#if defined(GOPOOL_TSAN)
    std::lock_guard lock(mu_);
    items_.insert(items_.end(), gs, gs + n);
#else
    queue_.enqueue_bulk(gs, n);
#endif
  }

  // Takes up to max into out; returns how many.
  std::size_t try_dequeue_bulk(G** out, std::size_t max) {
#if defined(GOPOOL_TSAN)
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    while (n < max && !items_.empty()) {
      out[n++] = items_.front();
      items_.pop_front();
    }
    return n;
#else
    return queue_.try_dequeue_bulk(out, max);
#endif
  }

 private:
#if defined(GOPOOL_TSAN)
  std::mutex mu_;
  std::deque<G*> items_;
#else
  moodycamel::ConcurrentQueue<G*> queue_;
#endif
};

}  // namespace gopool::detail
