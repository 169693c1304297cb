// when_any: one future for whichever of several futures is ready first; no goroutine and no
// thread waits for the inputs.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "gopool/detail/future_combine.hpp"
#include "gopool/future.hpp"

namespace gopool {
namespace detail {

// WhenAny: the shared state of one when_any: the first input to arrive decides the result
// (its index and value, or its exception); the others are dropped as they arrive, and the last
// one frees the state.
template <class Derived, class Result>
class WhenAny {
 protected:
  explicit WhenAny(std::size_t n) : remaining_(n) {}

  // first: true for exactly one input, the first to arrive.
  bool first() noexcept { return !decided_.exchange(true, std::memory_order_acq_rel); }

  // done_one: called once per input; the last one frees the state.
  void done_one() noexcept {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      delete static_cast<Derived*>(this);
    }
  }

  Promise<Result> promise_;

 private:
  std::atomic<std::size_t> remaining_;
  std::atomic<bool> decided_{false};
};

// WhenAnyVector: when_any over a vector of futures of one type.
template <class T>
class WhenAnyVector final : public WhenAny<WhenAnyVector<T>, std::pair<std::size_t, WhenElem<T>>> {
  using Base = WhenAny<WhenAnyVector, std::pair<std::size_t, WhenElem<T>>>;
  friend Base;

 public:
  using Result = std::pair<std::size_t, WhenElem<T>>;

  static Future<Result> start(std::vector<Future<T>>& fs) {
    auto* self = new WhenAnyVector(fs.size());
    Future<Result> result = self->promise_.get_future();
    hook_vector(self, self->nodes_.get(), &arrive, fs);  // may free `self`
    return result;
  }

 private:
  using Node = WhenNode<WhenAnyVector>;

  explicit WhenAnyVector(std::size_t n) : Base(n), nodes_(std::make_unique<Node[]>(n)) {}

  static void arrive(FutureContinuation* c) noexcept {
    auto* node = static_cast<Node*>(c);
    WhenAnyVector* self = node->owner;
    auto* src = static_cast<FutureState<T>*>(node->source);
    if (self->first()) {
      if (src->error()) {
        self->promise_.set_exception(src->take_error());
      } else {
        self->promise_.set_result_of([&] { return Result(node->index, take_elem<T>(src)); });
      }
    }
    src->release();
    self->done_one();
  }

  std::unique_ptr<Node[]> nodes_;
};

// WhenAnyVariant: when_any over futures of different types.
template <class... T>
class WhenAnyVariant final
    : public WhenAny<WhenAnyVariant<T...>, std::pair<std::size_t, std::variant<WhenElem<T>...>>> {
  using Base = WhenAny<WhenAnyVariant, std::pair<std::size_t, std::variant<WhenElem<T>...>>>;
  friend Base;

 public:
  using Result = std::pair<std::size_t, std::variant<WhenElem<T>...>>;

  static Future<Result> start(Future<T>&... fs) {
    auto* self = new WhenAnyVariant;
    Future<Result> result = self->promise_.get_future();
    self->hook(std::index_sequence_for<T...>{}, fs...);
    return result;
  }

 private:
  static constexpr std::size_t kCount = sizeof...(T);
  using Node = WhenNode<WhenAnyVariant>;

  WhenAnyVariant() : Base(kCount) {}

  template <std::size_t... I>
  void hook(std::index_sequence<I...> /*indices*/, Future<T>&... fs) noexcept {
    ((nodes_[I].fire = &arrive<I>, nodes_[I].owner = this,
      nodes_[I].source = FutureAccess::take(fs)),
     ...);
    hand_over(nodes_, kCount);  // may free this state
  }

  template <std::size_t I>
  static void arrive(FutureContinuation* c) noexcept {
    using Src = std::tuple_element_t<I, std::tuple<T...>>;
    auto* node = static_cast<Node*>(c);
    WhenAnyVariant* self = node->owner;
    auto* src = static_cast<FutureState<Src>*>(node->source);
    if (self->first()) {
      if (src->error()) {
        self->promise_.set_exception(src->take_error());
      } else {
        self->promise_.set_result_of([&] {
          return Result(I,
                        std::variant<WhenElem<T>...>(std::in_place_index<I>, take_elem<Src>(src)));
        });
      }
    }
    src->release();
    self->done_one();
  }

  Node nodes_[kCount];
};

}  // namespace detail

// when_any: a future of the first input to be ready: its index in fs and its value
// (std::monostate for Future<void>, std::reference_wrapper for Future<T&>), or, if that input
// failed, its exception. The other inputs' results are dropped when they arrive. Consumes every
// input (valid() is false afterwards); no goroutine and no thread waits for them. Never blocks.
// Throws std::invalid_argument for an empty vector (nothing could ever be first),
// std::future_error (no_state) if an element is invalid, std::bad_alloc; then fs is left as it
// was.
template <class T>
Future<std::pair<std::size_t, detail::WhenElem<T>>> when_any(std::vector<Future<T>>&& fs) {
  if (fs.empty()) {
    throw std::invalid_argument("gopool: when_any of no futures");
  }
  detail::check_inputs(fs);
  return detail::WhenAnyVector<T>::start(fs);
}

// when_any: the same over futures of different types: the index of the first one ready, in
// argument order, and its value as the variant's alternative of that index. At least one
// future. Throws std::future_error — no_state if an input is invalid, future_already_retrieved
// if the same future is passed twice — and std::bad_alloc, each consuming nothing.
template <class T0, class... T>
Future<std::pair<std::size_t, std::variant<detail::WhenElem<T0>, detail::WhenElem<T>...>>> when_any(
    Future<T0>&& f0, Future<T>&&... fs) {
  detail::check_inputs(f0, fs...);
  return detail::WhenAnyVariant<T0, T...>::start(f0, fs...);
}

}  // namespace gopool
