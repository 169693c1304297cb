// What when_all and when_any share: the element type of a combined result, the continuation
// node through which one input hands over its result, and the checks of their inputs.
#pragma once

#include <cstddef>
#include <functional>
#include <future>
#include <variant>
#include <vector>

#include "gopool/future.hpp"

namespace gopool::detail {

// WhenElem: how a Future<T>'s result is held in a combined result: std::monostate for void, a
// std::reference_wrapper for a reference, else T itself.
template <class T>
struct WhenElemOf {
  using type = T;
};
template <>
struct WhenElemOf<void> {
  using type = std::monostate;
};
template <class T>
struct WhenElemOf<T&> {
  using type = std::reference_wrapper<T>;
};
template <class T>
using WhenElem = typename WhenElemOf<T>::type;

// take_elem: moves the value out of a ready state that holds no exception, as a WhenElem<T>.
template <class T>
WhenElem<T> take_elem(FutureState<T>* s) {
  if constexpr (std::is_void_v<T>) {
    return std::monostate{};
  } else if constexpr (std::is_reference_v<T>) {
    return std::ref(s->take_value());
  } else {
    return s->take_value();
  }
}

// WhenNode: one input of a combinator: the continuation its future fires, the combinator's
// shared state and the input's state (whose reference the node owns until it fires).
template <class Owner>
struct WhenNode : FutureContinuation {
  Owner* owner = nullptr;
  FutureCore* source = nullptr;
  std::size_t index = 0;
};

// hand_over: gives each of n nodes to its input's state, which fires it once the result is there
// (at once if it already is). The last hand-over may complete the combinator and free the nodes
// with it: nothing is touched after it.
template <class Owner>
void hand_over(WhenNode<Owner>* nodes, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    nodes[i].source->on_ready(&nodes[i]);
  }
}

// hook_vector: points node i at owner and at input i (whose state it takes out of fs[i]), each
// firing `arrive`, then hands them over.
template <class Owner, class T>
void hook_vector(Owner* owner, WhenNode<Owner>* nodes, void (*arrive)(FutureContinuation*) noexcept,
                 std::vector<Future<T>>& fs) noexcept {
  const std::size_t n = fs.size();
  for (std::size_t i = 0; i < n; ++i) {
    nodes[i].fire = arrive;
    nodes[i].owner = owner;
    nodes[i].index = i;
    nodes[i].source = FutureAccess::take(fs[i]);
  }
  hand_over(nodes, n);
}

// check_inputs: throws std::future_error — no_state if a future is invalid,
// future_already_retrieved if the same future is passed twice — before anything is consumed.
template <class... T>
void check_inputs(const Future<T>&... fs) {
  if (!(fs.valid() && ...)) {
    throw_future_error(std::future_errc::no_state);
  }
  const void* const addrs[] = {static_cast<const void*>(&fs)..., nullptr};
  for (std::size_t i = 0; i < sizeof...(T); ++i) {
    for (std::size_t j = i + 1; j < sizeof...(T); ++j) {
      if (addrs[i] == addrs[j]) {
        throw_future_error(std::future_errc::future_already_retrieved);
      }
    }
  }
}

// check_inputs: the same for a vector (whose elements are distinct objects).
template <class T>
void check_inputs(const std::vector<Future<T>>& fs) {
  for (const Future<T>& f : fs) {
    if (!f.valid()) {
      throw_future_error(std::future_errc::no_state);
    }
  }
}

}  // namespace gopool::detail
