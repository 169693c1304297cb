// The worker goroutine of every pool kind (ants' goWorker.run): runs its task, files itself back
// as idle (revert()), waits for its next mail, and leaves when purged, released or shrunk.
//
// Going back to idle takes no lock in the common case: the worker pushes itself on the core's
// `returned_` list and the next holder of the lock files it (see pool_core.cpp).
#include <algorithm>
#include <exception>
#include <utility>

#include <spdlog/logger.h>

#include "gopool/detail/cpu_relax.hpp"
#include "gopool/detail/goroutine_info.hpp"
#include "pools/pool_core.hpp"
#include "pools/pool_core_parts.hpp"
#include "pools/worker.hpp"

namespace gopool::detail {
namespace {

constexpr int kMaxIdleSpins = 64;    // most mailbox checks before an idle worker parks
constexpr int kSpinProbeEvery = 32;  // parks without spinning before a worker tries again
constexpr int kYieldEvery = 64;      // tasks a worker may take without parking before it yields

}  // namespace

void PoolCore::send_mail(PoolWorker* w, WaitState::Result mail) noexcept {
  w->mail.wake(mail);
}

WaitState::Result PoolCore::wait_for_mail(PoolWorker* w, IdleState& idle) noexcept {
  // Poll briefly first: a producer posting back-to-back usually hands the next task to the
  // worker that went idle last (LIFO), which can then run it without a trip through the
  // scheduler. The poll adapts: it doubles when mail came during it and halves when it did not,
  // so where it does not pay (few cores, a slow producer) it costs next to nothing.
  WaitState::Result mail = w->mail.result();
  int budget = idle.spin_budget;
  if (budget == 0 && ++idle.parks_without_spin >= kSpinProbeEvery) {
    idle.parks_without_spin = 0;
    budget = 1;  // probe now and then whether spinning pays again
  }
  for (int i = 0; i < budget && mail == WaitState::kPending; ++i) {
    cpu_relax();
    mail = w->mail.result();
  }
  if (mail == WaitState::kPending) {
    idle.spin_budget = budget / 2;
    mail = w->mail.wait(WaitReason::pool_idle);
    idle.unparked_streak = 0;
  } else {
    idle.spin_budget = std::min(2 * budget + 1, kMaxIdleSpins);
    if (++idle.unparked_streak >= kYieldEvery) {
      // A worker fed while spinning never reaches a switch point by itself; let the other
      // goroutines of its P run now and then (there is no preemption).
      idle.unparked_streak = 0;
      yield();
    }
  }
  w->mail.reset();  // the sender that took this worker off the idle queue is done with it
  return mail;
}

void PoolCore::worker_main(PoolWorker* w) {
  w->mail.rebind();
  set_goroutine_label(name_.c_str());            // the dumps group workers under their pool
  const char* shown_file = w->site.file_name();  // the site the goroutine shows now (go()'s)
  std::uint_least32_t shown_line = w->site.line();
  IdleState idle;
  for (;;) {
    std::exception_ptr error;
    try {
      w->task();
    } catch (...) {
      error = std::current_exception();
    }
    w->task.reset();
    if (error) {
      retire_after_exception(w, error);
      return;
    }
    const Revert next = revert(w);
    if (next == Revert::leave) {
      return;
    }
    if (next == Revert::idle) {
      if (wait_for_mail(w, idle) == PoolWorker::kExit) {
        retire(w);  // purged or released while idle
        return;
      }
    } else if (++idle.unparked_streak >= kYieldEvery) {
      // Fed by blocked callers, a worker never parks: let its P run the others now and then.
      idle.unparked_streak = 0;
      yield();
    }
    // Dumps and fatal messages name the task's post site (an idle worker: its last task's).
    // Tasks posted from one place in a row skip the store.
    if (w->site.line() != shown_line || w->site.file_name() != shown_file) {
      shown_file = w->site.file_name();
      shown_line = w->site.line();
      set_goroutine_site(w->site);
    }
  }
}

PoolCore::Revert PoolCore::revert(PoolWorker* w) {
  if (!attention_.load(std::memory_order_relaxed)) {
    // The common case: back to idle without the lock; the next holder files it.
    push_returned(w);
    if (!attention_.load(std::memory_order_seq_cst)) {
      return Revert::idle;
    }
    // Somebody started waiting meanwhile and may have missed this push: settle now.
    Wakeups wk;
    lock_.lock();
    collect_locked(wk);
    lock_.unlock();
    deliver(wk);
    return Revert::idle;
  }
  Wakeups wk;
  Revert next = Revert::idle;
  lock_.lock();
  const int cap = capacity_.load(std::memory_order_relaxed);
  if (closed_.load(std::memory_order_relaxed) ||
      (cap > 0 && running_.load(std::memory_order_relaxed) > cap)) {
    next = Revert::leave;          // released, or tune() shrank the pool
    set_goroutine_label(nullptr);  // name_ may go with the pool once alive_ drops below
    bump(busy_, -1);
    bump(completed_);
    bump(running_, -1);
    bump(alive_, -1);
    push_free_locked(w);
  } else if (take_waiting_task_locked(w, wk)) {
    // The first blocked caller (FIFO) gave its task to this worker, which runs it next: the
    // caller is woken once, with success, and the worker neither parks nor gets mail. (ants
    // wakes the caller, which then hands the worker its task: two wake-ups per task.)
    next = Revert::took_task;
  } else {
    push_returned(w);  // filed below with the others that returned, as the newest
  }
  collect_locked(wk);
  lock_.unlock();
  deliver(wk);
  return next;
}

void PoolCore::push_returned(PoolWorker* w) noexcept {
  PoolWorker* head = returned_.load(std::memory_order_relaxed);
  do {
    w->next_returned = head;
  } while (!returned_.compare_exchange_weak(head, w, std::memory_order_seq_cst,
                                            std::memory_order_relaxed));
}

void PoolCore::retire(PoolWorker* w) {
  set_goroutine_label(nullptr);  // name_ may go with the pool once alive_ drops below
  Wakeups wk;
  lock_.lock();
  bump(running_, -1);
  bump(alive_, -1);
  push_free_locked(w);
  collect_locked(wk);
  lock_.unlock();
  deliver(wk);
}

void PoolCore::retire_after_exception(PoolWorker* w, const std::exception_ptr& error) {
  // As ants: the worker exits and gives its slot back before the handler runs (so running()
  // already excludes it there), but stays counted as busy/alive until the handler returned, so
  // wait() and the destructor also wait for the report.
  set_goroutine_label(nullptr);  // name_ may go with the pool once alive_ drops below
  Wakeups wk;
  lock_.lock();
  bump(running_, -1);
  exceptions_.fetch_add(1, std::memory_order_relaxed);  // also counted outside the lock
  collect_locked(wk);
  lock_.unlock();
  deliver(wk);

  handle_exception(error, w->site);

  Wakeups wk2;
  lock_.lock();
  bump(busy_, -1);
  bump(completed_);
  bump(alive_, -1);
  push_free_locked(w);
  collect_locked(wk2);
  lock_.unlock();
  deliver(wk2);
}

void PoolCore::handle_exception(const std::exception_ptr& error,
                                const std::source_location& where) noexcept {
  if (options_.on_exception) {
    try {
      options_.on_exception(error);
      return;
    } catch (...) {
      try {
        logger_->error("gopool: the on_exception handler of pool \"{}\" threw {}", name_,
                       describe(std::current_exception()));
      } catch (...) {
        // no memory to describe it: nothing more can be said
      }
    }
  }
  try {
    logger_->error("gopool: a task of pool \"{}\" posted at {} threw {} (goroutine {})", name_,
                   describe(where), describe(error), this_goroutine::id());
  } catch (...) {
    // no memory to describe it: nothing more can be said
  }
}
}  // namespace gopool::detail
