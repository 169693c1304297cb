// Chan<T>: Go's channel. Buffered or unbuffered, closable, usable from goroutines (which park)
// and from foreign OS threads (which wait on a futex), and as a case of gopool::select.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "gopool/detail/coop_budget.hpp"
#include "gopool/detail/deadline.hpp"
#include "gopool/detail/spin_lock.hpp"
#include "gopool/detail/wait_queue.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/export.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

// ChanClosed: thrown by a send on a closed channel (including a sender blocked when the channel
// gets closed, and a send case of select) and by closing a channel twice — the cases where Go
// panics.
class GOPOOL_API ChanClosed : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

template <class T>
class Chan;

namespace detail {

// SelectGate: one per blocked select. The first party to flip `claimed` from 0 to 1 (a sender,
// a receiver, close(), or the select's own timeout) completes the select; every other waiter of
// that select is skipped. Like Go's selectDone.
struct SelectGate {
  std::atomic<std::uint32_t> claimed{0};
  std::uint32_t fired = 0;  // index of the case that completed; written by the claimer
  WaitState ws;             // woken by the claimer once the case's transfer is complete
};

// The result a completer publishes in a channel waiter's WaitState.
inline constexpr WaitState::Result kChanDone = WaitState::kFirstResult;

// ChanWaiter: a goroutine or thread blocked on one channel operation (Go's sudog). Lives on
// the waiter's stack; its fields are guarded by the channel's lock. A waiter with a gate is a
// select case; every other one is a SingleWaiter.
struct ChanWaiter {
  // Receiver: the std::optional<T> to fill. Sender: the T to move from.
  void* slot = nullptr;
  SelectGate* gate = nullptr;  // null for a single (non-select) operation
  ChanWaiter* prev = nullptr;
  ChanWaiter* next = nullptr;
  std::uint32_t index = 0;  // select case index
  bool ok = false;          // set by the completer: true = value moved, false = channel closed
  bool queued = false;      // linked in a ChanWaitQueue
  bool sender = false;      // queued as a sender (else as a receiver)
};

// SingleWaiter: a ChanWaiter for one (non-select) operation, with its own WaitState.
struct SingleWaiter : ChanWaiter {
  SingleWaiter() noexcept = default;
  SingleWaiter(const SingleWaiter&) = delete;
  SingleWaiter& operator=(const SingleWaiter&) = delete;
  WaitState state;
};

// RecvWaiter: a blocked receive, holding the value it receives. A completer reads the node and
// writes the value, the claim and the wake-up into it; with all of them on one cache line (for
// a small T) a hand-off to a receiver that has been asleep misses on one line of its stack,
// not two. A T aligned beyond a line keeps its own alignment.
template <class T>
struct alignas(64) alignas(std::optional<T>) RecvWaiter : SingleWaiter {
  RecvWaiter() noexcept { slot = &value; }
  std::optional<T> value;
};

// ChanWaitQueue: FIFO of waiters on one side of a channel. Guarded by the channel's lock.
class ChanWaitQueue : public WaitQueue<ChanWaiter> {
 public:
  // Removes and returns the oldest waiter this caller may complete: a single operation, or a
  // select case whose gate this call claims. Waiters of selects completed elsewhere are
  // dropped on the way. Null when none is left.
  ChanWaiter* pop() noexcept {
    while (ChanWaiter* w = front()) {
      remove(w);
      if (w->gate == nullptr) {
        return w;
      }
      std::uint32_t expected = 0;
      if (w->gate->claimed.compare_exchange_strong(expected, 1, std::memory_order_acq_rel,
                                                   std::memory_order_relaxed)) {
        return w;
      }
    }
    return nullptr;
  }
};

// Marks w completed (value moved, or closed) before it is woken.
inline void complete_waiter(ChanWaiter* w, bool ok) noexcept {
  w->ok = ok;
  if (w->gate != nullptr) {
    w->gate->fired = w->index;
  }
}

// Wakes a completed waiter (or its select). w must not be touched afterwards: the waiter may
// return at once and its node vanish.
inline void wake_waiter(ChanWaiter* w) noexcept {
  (w->gate != nullptr ? &w->gate->ws : &static_cast<SingleWaiter*>(w)->state)->wake(kChanDone);
}

// Wakes a list of completed waiters linked through `next` (each link read before its waiter
// is woken).
inline void wake_all(ChanWaiter* list) noexcept {
  while (list != nullptr) {
    ChanWaiter* next = list->next;
    wake_waiter(list);
    list = next;
  }
}

// Blocks until a completer has woken w.
inline void wait_done(SingleWaiter& w, WaitReason reason) noexcept {
  (void)w.state.wait(reason);
}

// ChanCore: the untyped part of a channel: lock, wait queues, ring indices, closed flag,
// reference count. select locks channels through it.
class ChanCore {
 public:
  ChanCore(const ChanCore&) = delete;
  ChanCore& operator=(const ChanCore&) = delete;

  void lock() noexcept { lock_.lock(); }
  void unlock() noexcept { lock_.unlock(); }

  // Under the lock, with w (a single operation's waiter) just queued: releases the lock and
  // blocks until a completer has woken w. The lock is released only once a goroutine is off
  // its stack; every completer takes w off its queue under this lock, so its wake-up finds the
  // goroutine parked and the park needs no locked instruction.
  void unlock_and_wait(SingleWaiter& w, WaitReason reason) noexcept {
    (void)w.state.wait_unlocking(lock_, reason);
  }

  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      destroy_(this);
    }
  }

  // Under the lock: removes w from the queue it was put in, if it is still there.
  void dequeue_locked(ChanWaiter* w) noexcept { (w->sender ? sendq_ : recvq_).remove(w); }

 protected:
  ChanCore(std::size_t capacity, void (*destroy)(ChanCore*)) noexcept
      : cap_(capacity), destroy_(destroy) {}
  ~ChanCore() = default;

  SpinLock lock_;
  ChanWaitQueue recvq_;
  ChanWaitQueue sendq_;
  std::size_t cap_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  bool closed_ = false;
  std::atomic<std::uint32_t> refs_{1};
  void (*destroy_)(ChanCore*);
};

// SendStatus: outcome of a send attempt under the lock.
enum class SendStatus : std::uint8_t { sent, closed, blocked };

// ChanState<T>: a channel's shared state: ChanCore plus the ring buffer of T.
template <class T>
class ChanState : public ChanCore {
 public:
  // capacity: 0 = unbuffered. destroy frees the most derived object (for channels that carry
  // extra state, like timers).
  explicit ChanState(std::size_t capacity, void (*destroy)(ChanCore*) = &destroy_plain)
      : ChanCore(capacity, destroy), buf_(capacity != 0 ? alloc_.allocate(capacity) : nullptr) {}

  ~ChanState() {
    for (std::size_t i = 0; i < count_; ++i) {
      std::destroy_at(&buf_[wrap(head_ + i)]);
    }
    if (buf_ != nullptr) {
      alloc_.deallocate(buf_, cap_);
    }
  }

  std::size_t capacity() const noexcept { return cap_; }

  // Under the lock: sends v if that does not block (moving from it only then). On sent, *wake
  // is the receiver to unpark once unlocked (or null).
  SendStatus send_locked(T& v, ChanWaiter*& wake) noexcept {
    if (closed_) {
      return SendStatus::closed;
    }
    if (ChanWaiter* w = recvq_.pop()) {
      static_cast<std::optional<T>*>(w->slot)->emplace(std::move(v));
      complete_waiter(w, true);
      w->next = nullptr;
      wake = w;
      return SendStatus::sent;
    }
    if (count_ < cap_) {
      std::construct_at(&buf_[wrap(head_ + count_)], std::move(v));
      ++count_;
      return SendStatus::sent;
    }
    return SendStatus::blocked;
  }

  // Under the lock: receives if that does not block. Returns true when done: out holds the
  // value, or stays empty because the channel is closed and drained. *wake is a sender to
  // unpark once unlocked (or null).
  bool recv_locked(std::optional<T>& out, ChanWaiter*& wake) noexcept {
    if (ChanWaiter* w = sendq_.pop()) {
      T& sent = *static_cast<T*>(w->slot);
      if (cap_ == 0) {
        out.emplace(std::move(sent));
      } else {
        // Full buffer: take the head, the sender's value goes to the freed tail slot.
        T& head = buf_[head_];
        out.emplace(std::move(head));
        std::destroy_at(&head);
        std::construct_at(&head, std::move(sent));
        head_ = wrap(head_ + 1);
      }
      complete_waiter(w, true);
      w->next = nullptr;
      wake = w;
      return true;
    }
    if (count_ > 0) {
      T& head = buf_[head_];
      out.emplace(std::move(head));
      std::destroy_at(&head);
      head_ = wrap(head_ + 1);
      --count_;
      return true;
    }
    return closed_;
  }

  // Under the lock: queues w as a sender / receiver.
  void enqueue_send_locked(ChanWaiter* w) noexcept {
    w->sender = true;
    sendq_.push(w);
  }
  void enqueue_recv_locked(ChanWaiter* w) noexcept {
    w->sender = false;
    recvq_.push(w);
  }

  // Closes the channel; returns the waiters to wake (linked through next), or throws
  // ChanClosed if it was already closed.
  ChanWaiter* close() {
    lock();
    if (closed_) {
      unlock();
      throw ChanClosed("gopool: close of closed channel");
    }
    closed_ = true;
    ChanWaiter* wake = nullptr;
    while (ChanWaiter* w = recvq_.pop()) {
      complete_waiter(w, false);
      w->next = wake;
      wake = w;
    }
    while (ChanWaiter* w = sendq_.pop()) {
      complete_waiter(w, false);
      w->next = wake;
      wake = w;
    }
    unlock();
    return wake;
  }

  std::size_t size() noexcept {
    lock();
    const std::size_t n = count_;
    unlock();
    return n;
  }

  // Number of blocked receivers (senders = false) or senders (true); for tests and dumps.
  std::size_t waiting(bool senders) noexcept {
    lock();
    const std::size_t n = (senders ? sendq_ : recvq_).size();
    unlock();
    return n;
  }

  bool closed() noexcept {
    lock();
    const bool c = closed_;
    unlock();
    return c;
  }

 private:
  static void destroy_plain(ChanCore* core) noexcept { delete static_cast<ChanState*>(core); }
  std::size_t wrap(std::size_t i) const noexcept { return i >= cap_ ? i - cap_ : i; }

  [[no_unique_address]] std::allocator<T> alloc_;
  T* buf_;
};

// ChanAccess: lets other gopool headers build a Chan around a custom ChanState and reach a
// channel's state (for select).
struct ChanAccess {
  template <class T>
  static Chan<T> adopt(ChanState<T>* state) noexcept {
    return Chan<T>(state);
  }
  template <class T>
  static ChanState<T>* state(const Chan<T>& ch) noexcept {
    return ch.state_;
  }
};

}  // namespace detail

// Chan<T>: a channel of T, a cheap copyable handle like a Go channel value: copies refer to the
// same channel, which lives while any handle does (pass it to goroutines by value). A
// default-constructed Chan is a new unbuffered channel; Chan(n) has a buffer of n; Chan(nullptr)
// is the nil channel, whose select cases are never ready (Go's trick to disable a case).
// Waiters are served FIFO; receivers see every value sent before close(). Operations are const:
// they act on the shared channel, not on the handle, so a lambda's by-value copy can send. T must
// be a nothrow-move-constructible object type (wrap other types in std::unique_ptr).
template <class T>
class Chan {
  static_assert(std::is_object_v<T> && !std::is_array_v<T> && !std::is_const_v<T>,
                "gopool::Chan<T>: T must be a non-const object type");
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "gopool::Chan<T>: T must be nothrow move-constructible (use std::unique_ptr)");

 public:
  using value_type = T;

  // Chan: makes an unbuffered channel. Throws std::bad_alloc.
  Chan() : state_(new detail::ChanState<T>(0)) {}

  // Chan(capacity): makes a channel with a buffer of capacity values (0 = unbuffered). Throws
  // std::invalid_argument for a negative capacity, std::bad_alloc.
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  explicit Chan(I capacity) : state_(make_state(static_cast<std::int64_t>(capacity))) {}

  // Chan(nullptr): the nil channel. Blocking operations on it throw std::invalid_argument;
  // try_send/try_recv report "not ready"; in select its cases never fire.
  Chan(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): like a null pointer

  Chan(const Chan& other) noexcept : state_(other.state_) {
    if (state_ != nullptr) {
      state_->retain();
    }
  }
  Chan(Chan&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  Chan& operator=(const Chan& other) noexcept {
    Chan(other).swap(*this);
    return *this;
  }
  Chan& operator=(Chan&& other) noexcept {
    Chan(std::move(other)).swap(*this);
    return *this;
  }
  ~Chan() {
    if (state_ != nullptr) {
      state_->release();
    }
  }

  void swap(Chan& other) noexcept { std::swap(state_, other.state_); }

  // True unless this is the nil channel.
  explicit operator bool() const noexcept { return state_ != nullptr; }

  // Two handles are equal when they refer to the same channel (or both are nil).
  friend bool operator==(const Chan& a, const Chan& b) noexcept { return a.state_ == b.state_; }

  // send: sends v, blocking until a receiver takes it or there is room in the buffer (a
  // goroutine parks, a thread waits). Throws ChanClosed if the channel is closed, or gets
  // closed while this send waits (v is then dropped); std::invalid_argument on the nil channel.
  void send(T v) const {
    detail::ChanState<T>* s = checked("send on nil channel");
    detail::ChanWaiter* wake = nullptr;
    s->lock();
    switch (s->send_locked(v, wake)) {
      case detail::SendStatus::sent:
        s->unlock();
        if (wake != nullptr) {
          detail::wake_waiter(wake);
        }
        detail::spend_coop_budget();
        return;
      case detail::SendStatus::closed:
        s->unlock();
        throw_closed();
      case detail::SendStatus::blocked:
        break;
    }
    detail::SingleWaiter me;
    me.slot = std::addressof(v);
    s->enqueue_send_locked(&me);
    s->unlock_and_wait(me, detail::WaitReason::chan_send);
    if (!me.ok) {
      throw_closed();
    }
  }

  // recv: receives the next value, blocking until one is sent (a goroutine parks, a thread
  // waits). Returns std::nullopt once the channel is closed and drained. Throws
  // std::invalid_argument on the nil channel.
  std::optional<T> recv() const {
    detail::ChanState<T>* s = checked("receive from nil channel");
    std::optional<T> out;
    detail::ChanWaiter* wake = nullptr;
    s->lock();
    if (s->recv_locked(out, wake)) {
      s->unlock();
      if (wake != nullptr) {
        detail::wake_waiter(wake);
      }
      detail::spend_coop_budget();
      return out;
    }
    detail::RecvWaiter<T> me;
    s->enqueue_recv_locked(&me);
    s->unlock_and_wait(me, detail::WaitReason::chan_recv);
    return std::move(me.value);
  }

  // try_send: sends v only if that does not block; returns true if sent. On false, v is left
  // untouched (the rvalue overload does not move from it). Never blocks. Throws ChanClosed on
  // a closed channel; the nil channel returns false.
  bool try_send(const T& v) const {
    T copy(v);
    return try_send(std::move(copy));
  }
  bool try_send(T&& v) const {
    if (state_ == nullptr) {
      return false;
    }
    detail::ChanWaiter* wake = nullptr;
    state_->lock();
    const detail::SendStatus st = state_->send_locked(v, wake);
    state_->unlock();
    if (st == detail::SendStatus::closed) {
      throw_closed();
    }
    if (wake != nullptr) {
      detail::wake_waiter(wake);
    }
    detail::spend_coop_budget();
    return st == detail::SendStatus::sent;
  }

  // try_recv: receives a value only if one is ready; std::nullopt if none is, or the channel is
  // closed and drained (closed() tells which), or it is the nil channel. Never blocks.
  std::optional<T> try_recv() const {
    std::optional<T> out;
    if (state_ == nullptr) {
      return out;
    }
    detail::ChanWaiter* wake = nullptr;
    state_->lock();
    state_->recv_locked(out, wake);
    state_->unlock();
    if (wake != nullptr) {
      detail::wake_waiter(wake);
    }
    detail::spend_coop_budget();
    return out;
  }

  // send_for / send_until: as send, but gives up when the timeout expires; returns true if
  // sent, false on timeout (v not moved from). d <= 0 behaves as try_send. Throws like send.
  template <class Rep, class Period>
  bool send_for(T&& v, std::chrono::duration<Rep, Period> d) const {
    return send_until(std::move(v), detail::deadline_in(d));
  }
  template <class Rep, class Period>
  bool send_for(const T& v, std::chrono::duration<Rep, Period> d) const {
    T copy(v);
    return send_until(std::move(copy), detail::deadline_in(d));
  }
  bool send_until(T&& v, Clock::time_point deadline) const {
    detail::ChanState<T>* s = checked("send on nil channel");
    detail::ChanWaiter* wake = nullptr;
    const bool can_wait = deadline > Clock::now();  // read outside the lock: keep it short
    s->lock();
    const detail::SendStatus st = s->send_locked(v, wake);
    if (st != detail::SendStatus::blocked || !can_wait) {
      s->unlock();
      if (st == detail::SendStatus::closed) {
        throw_closed();
      }
      if (wake != nullptr) {
        detail::wake_waiter(wake);
      }
      return st == detail::SendStatus::sent;
    }
    detail::SingleWaiter me;
    me.slot = std::addressof(v);
    s->enqueue_send_locked(&me);
    s->unlock();
    if (!wait_until(s, me, deadline, detail::WaitReason::chan_send)) {
      return false;
    }
    if (!me.ok) {
      throw_closed();
    }
    return true;
  }

  // recv_for / recv_until: as recv, but gives up when the timeout expires. Returns std::nullopt
  // on timeout and when the channel is closed and drained (use select with on_timeout, or
  // closed(), to tell the two apart). d <= 0 behaves as try_recv. Throws std::invalid_argument
  // on the nil channel.
  template <class Rep, class Period>
  std::optional<T> recv_for(std::chrono::duration<Rep, Period> d) const {
    return recv_until(detail::deadline_in(d));
  }
  std::optional<T> recv_until(Clock::time_point deadline) const {
    detail::ChanState<T>* s = checked("receive from nil channel");
    std::optional<T> out;
    detail::ChanWaiter* wake = nullptr;
    const bool can_wait = deadline > Clock::now();  // read outside the lock: keep it short
    s->lock();
    if (s->recv_locked(out, wake) || !can_wait) {
      s->unlock();
      if (wake != nullptr) {
        detail::wake_waiter(wake);
      }
      return out;
    }
    detail::SingleWaiter me;
    me.slot = std::addressof(out);
    s->enqueue_recv_locked(&me);
    s->unlock();
    wait_until(s, me, deadline, detail::WaitReason::chan_recv);
    return out;
  }

  // close: closes the channel. Blocked receivers wake with std::nullopt (after the buffer is
  // drained), blocked senders wake with ChanClosed. Never blocks. Throws ChanClosed if already
  // closed, std::invalid_argument on the nil channel.
  void close() const { detail::wake_all(checked("close of nil channel")->close()); }

  // closed: true once close() has been called (values may still be buffered). False for nil.
  bool closed() const noexcept { return state_ != nullptr && state_->closed(); }

  // size: values currently buffered. 0 for nil and unbuffered channels.
  std::size_t size() const noexcept { return state_ != nullptr ? state_->size() : 0; }

  // capacity: the buffer's capacity (0 = unbuffered, or nil).
  std::size_t capacity() const noexcept { return state_ != nullptr ? state_->capacity() : 0; }

  // iterator: receives on increment; equal to end() once the channel is closed and drained.
  class iterator {  // NOLINT(readability-identifier-naming): the standard range protocol
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;

    iterator() = default;
    T& operator*() const noexcept { return *cur_; }
    T* operator->() const noexcept { return std::addressof(**this); }
    iterator& operator++() {
      cur_ = ch_->recv();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return !it.cur_.has_value();
    }

   private:
    friend class Chan;
    explicit iterator(const Chan* ch) : ch_(ch), cur_(ch->recv()) {}
    const Chan* ch_ = nullptr;
    mutable std::optional<T> cur_;
  };

  // begin / end: `for (T& v : ch)` receives until the channel is closed and drained (each
  // step blocks like recv). Throws std::invalid_argument on the nil channel.
  iterator begin() const { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  friend struct detail::ChanAccess;
  explicit Chan(detail::ChanState<T>* state) noexcept : state_(state) {}

  static detail::ChanState<T>* make_state(std::int64_t capacity) {
    if (capacity < 0) {
      throw std::invalid_argument("gopool: negative channel capacity");
    }
    return new detail::ChanState<T>(static_cast<std::size_t>(capacity));
  }

  detail::ChanState<T>* checked(const char* what) const {
    if (state_ == nullptr) {
      throw std::invalid_argument(std::string("gopool: ") + what);
    }
    return state_;
  }

  [[noreturn]] static void throw_closed() { throw ChanClosed("gopool: send on closed channel"); }

  // Parks with a deadline; on timeout withdraws me, or, if a completer already took it,
  // waits for that completer's wake-up. True if completed (value moved or closed).
  static bool wait_until(detail::ChanState<T>* s, detail::SingleWaiter& me,
                         Clock::time_point deadline, detail::WaitReason reason) noexcept {
    if (me.state.wait_until(deadline, reason) != detail::WaitState::kPending) {
      return true;
    }
    s->lock();
    const bool still_queued = me.queued;
    s->dequeue_locked(&me);
    s->unlock();
    if (still_queued) {
      return false;
    }
    detail::wait_done(me, reason);  // a completer took it: its wake-up is on the way
    return true;
  }

  detail::ChanState<T>* state_ = nullptr;
};

}  // namespace gopool
