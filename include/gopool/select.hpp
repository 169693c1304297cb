// select: wait on several channel operations at once, as Go's select statement.
//
//   gopool::select(gopool::on_recv(in, [](int v) { ... }),
//                  gopool::on_send(out, x, [] { ... }),
//                  gopool::on_recv(ctx.done(), [] { ... }),
//                  gopool::on_timeout(1s, [] { ... }));
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "gopool/chan.hpp"
#include "gopool/detail/deadline.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/export.hpp"
#include "gopool/runtime.hpp"

namespace gopool {

namespace detail {

// A fast per-thread pseudo-random number for select's poll order (not for cryptography).
GOPOOL_API std::uint32_t select_rand() noexcept;

enum class CaseKind : std::uint8_t { chan, fallback, timeout };

// The callback of a case given none.
struct NoCallback {
  void operator()() const noexcept {}
};

// RecvCase: receive from a channel; the callback gets std::optional<T> (empty = closed), or T
// (not called when the channel turns out closed), or nothing.
template <class T, class F>
class RecvCase {
  static_assert(std::is_invocable_v<F&, std::optional<T>&&> || std::is_invocable_v<F&, T&&> ||
                    std::is_invocable_v<F&>,
                "on_recv callback must take std::optional<T>, T, or nothing");

 public:
  static constexpr CaseKind kKind = CaseKind::chan;

  RecvCase(const Chan<T>& ch, F f) : ch_(ch), f_(std::move(f)) {}

  ChanCore* core() const noexcept { return ChanAccess::state(ch_); }
  bool poll_locked(ChanWaiter*& wake) noexcept {
    return ChanAccess::state(ch_)->recv_locked(slot_, wake);
  }
  void enqueue_locked(SelectGate* gate, std::uint32_t index) noexcept {
    waiter_.slot = &slot_;
    waiter_.gate = gate;
    waiter_.index = index;
    ChanAccess::state(ch_)->enqueue_recv_locked(&waiter_);
  }
  void dequeue_locked() noexcept { ChanAccess::state(ch_)->dequeue_locked(&waiter_); }
  void finish() {
    if constexpr (std::is_invocable_v<F&, std::optional<T>&&>) {
      f_(std::move(slot_));
    } else if constexpr (std::is_invocable_v<F&, T&&>) {
      if (slot_.has_value()) {
        f_(std::move(*slot_));
      }
    } else {
      f_();
    }
  }

 private:
  Chan<T> ch_;
  F f_;
  std::optional<T> slot_;
  ChanWaiter waiter_;
};

// SendCase: send a value; the callback (taking nothing) runs after the send. Sending on a
// closed channel throws ChanClosed out of select.
template <class T, class F>
class SendCase {
  static_assert(std::is_invocable_v<F&>, "on_send callback must take nothing");

 public:
  static constexpr CaseKind kKind = CaseKind::chan;

  SendCase(const Chan<T>& ch, T value, F f) : ch_(ch), value_(std::move(value)), f_(std::move(f)) {}

  ChanCore* core() const noexcept { return ChanAccess::state(ch_); }
  bool poll_locked(ChanWaiter*& wake) noexcept {
    const SendStatus st = ChanAccess::state(ch_)->send_locked(value_, wake);
    waiter_.ok = st == SendStatus::sent;
    return st != SendStatus::blocked;
  }
  void enqueue_locked(SelectGate* gate, std::uint32_t index) noexcept {
    waiter_.slot = &value_;
    waiter_.gate = gate;
    waiter_.index = index;
    ChanAccess::state(ch_)->enqueue_send_locked(&waiter_);
  }
  void dequeue_locked() noexcept { ChanAccess::state(ch_)->dequeue_locked(&waiter_); }
  void finish() {
    if (!waiter_.ok) {
      throw ChanClosed("gopool: send on closed channel");
    }
    f_();
  }

 private:
  Chan<T> ch_;
  T value_;
  F f_;
  ChanWaiter waiter_;
};

// DefaultCase: taken when no channel case is ready.
template <class F>
class DefaultCase {
 public:
  static constexpr CaseKind kKind = CaseKind::fallback;
  explicit DefaultCase(F f) : f_(std::move(f)) {}
  void finish() { f_(); }

 private:
  F f_;
};

// TimeoutCase: taken when no channel case became ready before the deadline.
template <class F>
class TimeoutCase {
 public:
  static constexpr CaseKind kKind = CaseKind::timeout;
  TimeoutCase(Clock::time_point deadline, F f) : deadline_(deadline), f_(std::move(f)) {}
  Clock::time_point deadline() const noexcept { return deadline_; }
  void finish() { f_(); }

 private:
  Clock::time_point deadline_;
  F f_;
};

template <class C>
struct IsSelectCase : std::false_type {};
template <class T, class F>
struct IsSelectCase<RecvCase<T, F>> : std::true_type {};
template <class T, class F>
struct IsSelectCase<SendCase<T, F>> : std::true_type {};
template <class F>
struct IsSelectCase<DefaultCase<F>> : std::true_type {};
template <class F>
struct IsSelectCase<TimeoutCase<F>> : std::true_type {};

// Calls fn(case) for the case at run-time index i.
template <class Tuple, class Fn, std::size_t... Is>
void visit_case(Tuple& cases, std::size_t i, Fn&& fn, std::index_sequence<Is...>) {
  ((i == Is ? (fn(std::get<Is>(cases)), void()) : void()), ...);
}

template <class Case>
ChanCore* core_of(const Case& c) noexcept {
  if constexpr (Case::kKind == CaseKind::chan) {
    return c.core();
  } else {
    return nullptr;
  }
}

template <class... Cases>
constexpr std::size_t index_of_kind(CaseKind kind) {
  constexpr CaseKind kKinds[] = {std::remove_cvref_t<Cases>::kKind...};
  for (std::size_t i = 0; i < sizeof...(Cases); ++i) {
    if (kKinds[i] == kind) {
      return i;
    }
  }
  return sizeof...(Cases);
}

template <class... Cases>
constexpr std::size_t count_of_kind(CaseKind kind) {
  return ((std::remove_cvref_t<Cases>::kKind == kind ? 1 : 0) + ... + 0);
}

// Locks a sorted, duplicate-free set of channels in address order (as Go's sellock).
inline void lock_all(ChanCore* const* cores, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    cores[i]->lock();
  }
}
inline void unlock_all(ChanCore* const* cores, std::size_t n) noexcept {
  for (std::size_t i = n; i > 0; --i) {
    cores[i - 1]->unlock();
  }
}

template <class... Cases, std::size_t... Is>
std::size_t run_select(std::tuple<Cases&...> cases, std::index_sequence<Is...> seq) {
  constexpr std::size_t kN = sizeof...(Cases);
  constexpr std::size_t kFallback = index_of_kind<Cases...>(CaseKind::fallback);
  constexpr std::size_t kTimeout = index_of_kind<Cases...>(CaseKind::timeout);
  auto finish = [&](std::size_t i) {
    visit_case(
        cases, i, [](auto& c) { c.finish(); }, seq);
    return i;
  };

  // Channel cases in a random poll order, so that no ready case is favoured (as Go does).
  const std::array<ChanCore*, kN> by_case{core_of(std::get<Is>(cases))...};
  std::array<std::uint32_t, kN> order{};
  std::size_t m = 0;
  for (std::size_t i = 0; i < kN; ++i) {
    if (by_case[i] != nullptr) {
      order[m++] = static_cast<std::uint32_t>(i);
    }
  }
  std::array<ChanCore*, kN> locks{};
  std::size_t k = 0;
  for (std::size_t j = 0; j < m; ++j) {
    locks[k++] = by_case[order[j]];
  }
  if constexpr (kN > 1) {
    for (std::size_t j = m; j > 1; --j) {
      std::swap(order[j - 1], order[select_rand() % j]);
    }
    // Insertion sort: a select has a handful of channels. (std::sort here also made gcc 12 at
    // -O3 warn about array bounds on paths it could not prove unreachable.)
    for (std::size_t a = 1; a < k; ++a) {
      ChanCore* const c = locks[a];
      std::size_t b = a;
      for (; b > 0 && std::less<ChanCore*>{}(c, locks[b - 1]); --b) {
        locks[b] = locks[b - 1];
      }
      locks[b] = c;
    }
    k = static_cast<std::size_t>(
        std::unique(locks.begin(), locks.begin() + static_cast<std::ptrdiff_t>(k)) - locks.begin());
  }

  // Pass 1: take the first ready case.
  lock_all(locks.data(), k);
  for (std::size_t j = 0; j < m; ++j) {
    bool done = false;
    ChanWaiter* wake = nullptr;
    visit_case(
        cases, order[j],
        [&](auto& c) {
          if constexpr (std::remove_cvref_t<decltype(c)>::kKind == CaseKind::chan) {
            done = c.poll_locked(wake);
          }
        },
        seq);
    if (done) {
      unlock_all(locks.data(), k);
      if (wake != nullptr) {
        wake_waiter(wake);
      }
      spend_coop_budget();
      return finish(order[j]);
    }
  }
  if constexpr (kFallback < kN) {
    unlock_all(locks.data(), k);
    spend_coop_budget();
    return finish(kFallback);
  }
  Clock::time_point deadline = Clock::time_point::max();
  if constexpr (kTimeout < kN) {
    deadline = std::get<kTimeout>(cases).deadline();
    if (deadline <= Clock::now()) {
      unlock_all(locks.data(), k);
      return finish(kTimeout);
    }
  }

  // Pass 2: queue a waiter on every channel, sharing one gate, and park.
  SelectGate gate;
  for (std::size_t j = 0; j < m; ++j) {
    visit_case(
        cases, order[j],
        [&](auto& c) {
          if constexpr (std::remove_cvref_t<decltype(c)>::kKind == CaseKind::chan) {
            c.enqueue_locked(&gate, order[j]);
          }
        },
        seq);
  }
  unlock_all(locks.data(), k);

  // Wait until a completer wakes the gate. With no channel at all (only nil channels) and no
  // timeout this never ends, as Go's `select {}`.
  bool timed_out = false;
  if (gate.ws.wait_until(deadline, WaitReason::select) == WaitState::kPending) {
    std::uint32_t expected = 0;
    if (gate.claimed.compare_exchange_strong(expected, 1, std::memory_order_acq_rel,
                                             std::memory_order_acquire)) {
      timed_out = true;
    } else {
      (void)gate.ws.wait(WaitReason::select);  // a completer won the gate: its wake is on the way
    }
  }

  // Pass 3: withdraw the waiters that did not fire.
  lock_all(locks.data(), k);
  for (std::size_t j = 0; j < m; ++j) {
    visit_case(
        cases, order[j],
        [](auto& c) {
          if constexpr (std::remove_cvref_t<decltype(c)>::kKind == CaseKind::chan) {
            c.dequeue_locked();
          }
        },
        seq);
  }
  unlock_all(locks.data(), k);
  if constexpr (kTimeout < kN) {
    if (timed_out) {
      return finish(kTimeout);
    }
  }
  return finish(gate.fired);
}

}  // namespace detail

// on_recv: a select case receiving from ch. f takes std::optional<T> (empty when ch is closed
// and drained, Go's `v, ok := <-ch`), or T (then a closed channel still selects the case but f
// is not called), or nothing (fires on a value or on close, e.g. for done channels). On the nil
// channel the case never fires.
template <class T, class F = detail::NoCallback>
detail::RecvCase<T, std::decay_t<F>> on_recv(const Chan<T>& ch, F&& f = {}) {
  return {ch, std::forward<F>(f)};
}

// on_send: a select case sending value on ch, then calling f(). If the case is not chosen,
// value is destroyed unsent. If ch is (or gets) closed while select waits, select throws
// ChanClosed. On the nil channel the case never fires.
template <class T, class V, class F = detail::NoCallback>
detail::SendCase<T, std::decay_t<F>> on_send(const Chan<T>& ch, V&& value, F&& f = {}) {
  return {ch, T(std::forward<V>(value)), std::forward<F>(f)};
}

// on_default: a select case taken at once when no channel case is ready (a non-blocking
// select). At most one per select.
template <class F = detail::NoCallback>
detail::DefaultCase<std::decay_t<F>> on_default(F&& f = {}) {
  return detail::DefaultCase<std::decay_t<F>>(std::forward<F>(f));
}

// on_timeout: a select case taken when no channel case became ready within d (measured from
// when on_timeout is evaluated). d <= 0 times out at once if nothing is ready. At most one
// timeout or deadline per select.
template <class Rep, class Period, class F = detail::NoCallback>
detail::TimeoutCase<std::decay_t<F>> on_timeout(std::chrono::duration<Rep, Period> d, F&& f = {}) {
  const Clock::time_point deadline = detail::deadline_in(d);
  return {deadline, std::forward<F>(f)};
}

// on_deadline: as on_timeout, with an absolute deadline.
template <class F = detail::NoCallback>
detail::TimeoutCase<std::decay_t<F>> on_deadline(Clock::time_point t, F&& f = {}) {
  return {t, std::forward<F>(f)};
}

// select: performs exactly one of the given cases (made by on_recv, on_send, on_default,
// on_timeout / on_deadline) and runs its callback, then returns the index of that case in
// argument order. If several channel cases are ready, one is chosen uniformly at random. With
// no case ready it takes the default case if there is one; otherwise it blocks (a goroutine
// parks, a thread waits) until a case is ready or the timeout passes. With no usable case at
// all (only nil channels, no default, no timeout) it blocks forever, as Go's `select {}`.
// Throws ChanClosed for a send case on a closed channel; a callback's exception propagates
// (the channel operation has happened by then).
template <class... Cases>
std::size_t select(Cases&&... cases) {
  static_assert(sizeof...(Cases) > 0, "select needs at least one case");
  static_assert((detail::IsSelectCase<std::remove_cvref_t<Cases>>::value && ...),
                "select takes on_recv / on_send / on_default / on_timeout / on_deadline cases");
  static_assert(detail::count_of_kind<Cases...>(detail::CaseKind::fallback) <= 1,
                "select takes at most one on_default");
  static_assert(detail::count_of_kind<Cases...>(detail::CaseKind::timeout) <= 1,
                "select takes at most one on_timeout / on_deadline");
  return detail::run_select(std::tuple<std::remove_reference_t<Cases>&...>(cases...),
                            std::index_sequence_for<Cases...>{});
}

}  // namespace gopool
