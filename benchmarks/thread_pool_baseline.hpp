// ThreadPoolBaseline: the usual C++ thread pool, for side-by-side figures in pool_bench: a fixed
// set of OS threads taking std::function tasks from one std::deque under one mutex, woken by a
// condition variable (the design of BS::thread_pool and most hand-written pools). Not part of
// the library.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace gopool::bench {

class ThreadPoolBaseline {
 public:
  explicit ThreadPoolBaseline(std::size_t threads) {
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { work(); });
    }
  }

  ~ThreadPoolBaseline() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    task_ready_.notify_all();
    for (std::thread& t : threads_) {
      t.join();
    }
  }

  ThreadPoolBaseline(const ThreadPoolBaseline&) = delete;
  ThreadPoolBaseline& operator=(const ThreadPoolBaseline&) = delete;

  // post: queues f; one idle thread is woken.
  void post(std::function<void()> f) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(f));
      ++unfinished_;
    }
    task_ready_.notify_one();
  }

  // submit: queues f and returns the future of its result.
  template <class F>
  auto submit(F&& f) -> std::future<decltype(f())> {
    using R = decltype(f());
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
    std::future<R> result = task->get_future();
    post([task] { (*task)(); });
    return result;
  }

  // wait: blocks until every queued task has finished.
  void wait() {
    std::unique_lock lock(mu_);
    all_done_.wait(lock, [this] { return unfinished_ == 0; });
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> f;
      {
        std::unique_lock lock(mu_);
        task_ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) {
          return;  // stopping, and nothing left to run
        }
        f = std::move(tasks_.front());
        tasks_.pop_front();
      }
      f();
      std::lock_guard lock(mu_);
      if (--unfinished_ == 0) {
        all_done_.notify_all();
      }
    }
  }

  std::mutex mu_;
  std::condition_variable task_ready_;
  std::condition_variable all_done_;
  std::deque<std::function<void()>> tasks_;
  std::size_t unfinished_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace gopool::bench
