#include "gopool/context.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/timer.hpp"
#include "gopool/detail/wait_queue.hpp"
#include "gopool/runtime.hpp"

namespace gopool {
namespace {

class ContextCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gopool.context"; }
  std::string message(int code) const override {
    switch (static_cast<context_errc>(code)) {
      case context_errc::canceled:
        return "context canceled";
      case context_errc::deadline_exceeded:
        return "context deadline exceeded";
    }
    return "unknown context error";
  }
  std::error_condition default_error_condition(int code) const noexcept override {
    switch (static_cast<context_errc>(code)) {
      case context_errc::canceled:
        return std::errc::operation_canceled;
      case context_errc::deadline_exceeded:
        return std::errc::timed_out;
    }
    return {code, *this};
  }
};

}  // namespace

const std::error_category& context_category() noexcept {
  static const ContextCategory category;
  return category;
}

namespace detail {

// ContextState: one node of the context tree. The parent is held strongly (a child keeps its
// ancestors alive, as in Go); children are held weakly, so dropping a child's last handle
// frees it and unlinks it from the parent.
struct ContextState {
  ContextState(std::shared_ptr<ContextState> p, std::optional<Clock::time_point> d)
      : parent(std::move(p)), deadline(d) {}

  ContextState(const ContextState&) = delete;
  ContextState& operator=(const ContextState&) = delete;

  ~ContextState() {
    timer.stop();  // first: a deadline callback in flight uses this node
    if (parent != nullptr) {
      parent->remove_child(this);
    }
  }

  // Links child under this node, or cancels it at once if this node is already done.
  void add_child(const std::shared_ptr<ContextState>& child) {
    int code = 0;
    {
      std::lock_guard lock(mu);
      code = err.load(std::memory_order_relaxed);
      if (code == 0) {
        children.emplace_back(child.get(), child);
      }
    }
    if (code != 0) {
      child->cancel(code);
    }
  }

  void remove_child(ContextState* child) noexcept {
    std::lock_guard lock(mu);
    auto it = std::find_if(children.begin(), children.end(),
                           [child](const auto& c) { return c.first == child; });
    if (it != children.end()) {
      *it = std::move(children.back());
      children.pop_back();
    }
  }

  // Cancels this node and its subtree with code; only the first cancel of a node does
  // anything. Once a node's done channel is closed, its whole subtree is done too (a
  // concurrent cancel of a descendant is waited for through that descendant's lock). Safe
  // from a timer callback.
  void cancel(int code) noexcept { cancel(code, false); }

  // The deadline timer's callback: as cancel(deadline_exceeded), but it must not free this
  // node from inside its own callback (the timer is still in use until the callback returns),
  // and the descendants it collected may hold the last references to it (through their
  // parent pointers). So those references are dropped on a fresh goroutine instead.
  void expire() noexcept { cancel(static_cast<int>(context_errc::deadline_exceeded), true); }

 private:
  void cancel(int code, bool from_own_timer) noexcept {
    std::vector<std::shared_ptr<ContextState>> subtree;
    ContextWaiter* chain = nullptr;
    if (!cancel_walk(code, subtree, chain)) {
      return;
    }
    const std::error_code why = make_error_code(static_cast<context_errc>(code));
    while (chain != nullptr) {
      ContextWaiter* w = chain;
      chain = w->chain;  // read first: after kNotified the waiter may be gone
      w->notify(w, why);
      w->phase.store(ContextWaiter::kNotified, std::memory_order_release);
    }
    // With no lock held: stop the deadline timers (one may be waiting for a callback that
    // wants a lock), unlink from the parent, then drop the references (which may free nodes).
    timer.stop();  // harmless from inside this timer's own callback
    for (const auto& node : subtree) {
      node->timer.stop();
    }
    if (parent != nullptr) {
      parent->remove_child(this);
    }
    if (from_own_timer && !subtree.empty()) {
      try {
        go([refs = std::move(subtree)]() mutable { refs.clear(); });
      } catch (...) {
        // No goroutine could be started: keep the nodes alive for good rather than risk
        // freeing this one under its running timer.
        new std::vector<std::shared_ptr<ContextState>>(std::move(subtree));
      }
    }
  }

 public:
 private:
  // Under this node's lock (taken here, parent before child): marks the node done, cancels
  // the children first, then closes done. Collects strong references to the cancelled
  // descendants in subtree. False if the node was already done.
  bool cancel_walk(int code, std::vector<std::shared_ptr<ContextState>>& subtree,
                   ContextWaiter*& chain) noexcept {
    std::lock_guard lock(mu);
    int expected = 0;
    if (!err.compare_exchange_strong(expected, code, std::memory_order_acq_rel)) {
      return false;
    }
    for (auto& child : children) {
      if (std::shared_ptr<ContextState> c = child.second.lock()) {
        if (c->cancel_walk(code, subtree, chain)) {
          subtree.push_back(std::move(c));
        }
      }
    }
    children.clear();
    // The waiters are notified once the locks are released (a notify wakes a goroutine, and a
    // lock must not be held across that); context_detach() waits for a notify in flight.
    while (ContextWaiter* w = waiters.front()) {
      waiters.remove(w);
      w->phase.store(ContextWaiter::kNotifying, std::memory_order_relaxed);
      w->chain = chain;
      chain = w;
    }
    wake_all(ChanAccess::state(done)->close());  // the first cancel only: never throws
    return true;
  }

 public:
  const std::shared_ptr<ContextState> parent;
  const std::optional<Clock::time_point> deadline;
  Chan<std::monostate> done;  // unbuffered; closed by cancel
  std::atomic<int> err{0};    // 0 while live, else a context_errc value
  SpinLock mu;                // guards children and the transition of err; parent before child
  std::vector<std::pair<ContextState*, std::weak_ptr<ContextState>>> children;
  WaitQueue<ContextWaiter> waiters;  // blocking calls under this context, under mu
  Timer timer;
};

std::error_code context_attach(const Context& ctx, ContextWaiter& w) noexcept {
  ContextState* s = ctx.state_.get();
  if (s == nullptr) {
    return {};
  }
  std::lock_guard lock(s->mu);
  if (const int code = s->err.load(std::memory_order_relaxed); code != 0) {
    return make_error_code(static_cast<context_errc>(code));
  }
  w.phase.store(ContextWaiter::kLinked, std::memory_order_relaxed);
  s->waiters.push(&w);
  return {};
}

void context_detach(const Context& ctx, ContextWaiter& w) noexcept {
  ContextState* s = ctx.state_.get();
  if (s == nullptr) {
    return;
  }
  if (w.phase.load(std::memory_order_acquire) == ContextWaiter::kUnlinked) {
    return;  // never linked (the context was done already)
  }
  {
    std::lock_guard lock(s->mu);
    if (w.queued) {
      s->waiters.remove(&w);
      w.phase.store(ContextWaiter::kUnlinked, std::memory_order_relaxed);
      return;
    }
  }
  // A cancel took w: its notify may still be running.
  while (w.phase.load(std::memory_order_acquire) != ContextWaiter::kNotified) {
    if (in_goroutine()) {
      yield();
    } else {
      std::this_thread::yield();
    }
  }
}

}  // namespace detail

Chan<std::monostate> Context::done() const noexcept {
  if (state_ == nullptr) {
    return Chan<std::monostate>(nullptr);
  }
  return state_->done;
}

std::error_code Context::err() const noexcept {
  if (state_ == nullptr) {
    return {};
  }
  const int code = state_->err.load(std::memory_order_acquire);
  if (code == 0) {
    return {};
  }
  return make_error_code(static_cast<context_errc>(code));
}

std::optional<Clock::time_point> Context::deadline() const noexcept {
  if (state_ == nullptr) {
    return std::nullopt;
  }
  return state_->deadline;
}

void Context::cancel() const noexcept {
  if (state_ != nullptr) {
    state_->cancel(static_cast<int>(context_errc::canceled));
  }
}

Context with_cancel(const Context& parent) {
  auto state = std::make_shared<detail::ContextState>(parent.state_, parent.deadline());
  if (parent.state_ != nullptr) {
    parent.state_->add_child(state);
  }
  return Context(std::move(state));
}

Context with_deadline(const Context& parent, Clock::time_point t) {
  if (const auto inherited = parent.deadline(); inherited && *inherited <= t) {
    return with_cancel(parent);  // the parent's earlier deadline governs
  }
  auto state = std::make_shared<detail::ContextState>(parent.state_, t);
  if (parent.state_ != nullptr) {
    parent.state_->add_child(state);
  }
  constexpr int kDeadline = static_cast<int>(context_errc::deadline_exceeded);
  if (t <= Clock::now()) {
    state->cancel(kDeadline);
  } else if (state->err.load(std::memory_order_acquire) == 0) {
    // The callback uses a raw pointer: the node's destructor stops the timer (waiting for a
    // callback in flight) before anything is freed, and the callback never drops a reference
    // itself (see expire()), so the node is never freed from inside its own callback.
    detail::ContextState* raw = state.get();
    state->timer.start(t, [raw] { raw->expire(); });
  }
  return Context(std::move(state));
}

}  // namespace gopool
