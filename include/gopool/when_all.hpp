// when_all: one future for the results of several, collected as they arrive; no goroutine and
// no thread waits for the inputs.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "gopool/detail/future_combine.hpp"
#include "gopool/future.hpp"

namespace gopool {
namespace detail {

// WhenAll: the shared state of one when_all: a slot per input, the count of inputs still to
// come, and whether one failed. The first failure (in completion order) sets the result at
// once; later results are dropped as they arrive. The last input to arrive frees the state.
template <class Derived, class Result>
class WhenAll {
 protected:
  explicit WhenAll(std::size_t n) : remaining_(n) {}

  // fail: the first failure decides the result.
  void fail(std::exception_ptr e) noexcept {
    if (!failed_.exchange(true, std::memory_order_acq_rel)) {
      promise_.set_exception(std::move(e));
    }
  }

  // done_one: called once per input after its result is stored (or failed); the last one
  // publishes the collected values unless a failure came first, then frees the state.
  void done_one() noexcept {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1) {
      return;
    }
    auto* self = static_cast<Derived*>(this);
    if (!failed_.load(std::memory_order_acquire)) {
      promise_.set_result_of([self] { return self->collect(); });
    }
    delete self;
  }

  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }

  Promise<Result> promise_;

 private:
  std::atomic<std::size_t> remaining_;
  std::atomic<bool> failed_{false};
};

// WhenAllTuple: when_all over futures of different types.
template <class... T>
class WhenAllTuple final : public WhenAll<WhenAllTuple<T...>, std::tuple<WhenElem<T>...>> {
  using Base = WhenAll<WhenAllTuple, std::tuple<WhenElem<T>...>>;
  friend Base;

 public:
  using Result = std::tuple<WhenElem<T>...>;

  static Future<Result> start(Future<T>&... fs) {
    auto* self = new WhenAllTuple;
    Future<Result> result = self->promise_.get_future();
    self->hook(std::index_sequence_for<T...>{}, fs...);
    return result;
  }

 private:
  static constexpr std::size_t kCount = sizeof...(T);
  using Node = WhenNode<WhenAllTuple>;

  WhenAllTuple() : Base(kCount) {}

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
    WhenAllTuple* self = node->owner;
    auto* src = static_cast<FutureState<Src>*>(node->source);
    if (src->error()) {
      self->fail(src->take_error());
    } else if (!self->failed()) {
      try {
        std::get<I>(self->slots_).emplace(take_elem<Src>(src));
      } catch (...) {
        self->fail(std::current_exception());
      }
    }
    src->release();
    self->done_one();
  }

  Result collect() {
    return std::apply([](auto&... slot) { return Result(std::move(*slot)...); }, slots_);
  }

  std::tuple<std::optional<WhenElem<T>>...> slots_;
  Node nodes_[kCount];
};

// WhenAllVector: when_all over a vector of futures of one type.
template <class T>
class WhenAllVector final : public WhenAll<WhenAllVector<T>, std::vector<WhenElem<T>>> {
  using Base = WhenAll<WhenAllVector, std::vector<WhenElem<T>>>;
  friend Base;

 public:
  using Result = std::vector<WhenElem<T>>;

  static Future<Result> start(std::vector<Future<T>>& fs) {
    auto* self = new WhenAllVector(fs.size());
    Future<Result> result = self->promise_.get_future();
    hook_vector(self, self->nodes_.get(), &arrive, fs);  // may free `self`
    return result;
  }

 private:
  using Node = WhenNode<WhenAllVector>;

  explicit WhenAllVector(std::size_t n) : Base(n), slots_(n), nodes_(std::make_unique<Node[]>(n)) {}

  static void arrive(FutureContinuation* c) noexcept {
    auto* node = static_cast<Node*>(c);
    WhenAllVector* self = node->owner;
    auto* src = static_cast<FutureState<T>*>(node->source);
    if (src->error()) {
      self->fail(src->take_error());
    } else if (!self->failed()) {
      try {
        self->slots_[node->index].emplace(take_elem<T>(src));
      } catch (...) {
        self->fail(std::current_exception());
      }
    }
    src->release();
    self->done_one();
  }

  Result collect() {
    Result out;
    out.reserve(slots_.size());
    for (auto& slot : slots_) {
      out.push_back(std::move(*slot));
    }
    return out;
  }

  std::vector<std::optional<WhenElem<T>>> slots_;
  std::unique_ptr<Node[]> nodes_;
};

}  // namespace detail

// when_all: a future of every input's value, as a tuple in argument order (std::monostate for a
// Future<void>, std::reference_wrapper for a Future<T&>). It is ready once every input is — or
// as soon as one input fails: then it holds the first exception in completion order, and the
// other results are dropped when they arrive. Consumes the inputs (valid() is false afterwards);
// no goroutine and no thread waits for them. No input: a ready future of an empty tuple. Never
// blocks. Throws std::future_error — no_state if an input is invalid, future_already_retrieved
// if the same future is passed twice — and std::bad_alloc, each consuming nothing.
template <class... T>
Future<std::tuple<detail::WhenElem<T>...>> when_all(Future<T>&&... fs) {
  detail::check_inputs(fs...);
  if constexpr (sizeof...(T) == 0) {
    return make_ready_future(std::tuple<>{});
  } else {
    return detail::WhenAllTuple<T...>::start(fs...);
  }
}

// when_all: the same over a vector: a future of the values in the vector's order. An empty
// vector gives a ready future of an empty vector. On success every future in fs is consumed
// (left invalid); if it throws (std::future_error no_state for an invalid element,
// std::bad_alloc) fs is left as it was.
template <class T>
Future<std::vector<detail::WhenElem<T>>> when_all(std::vector<Future<T>>&& fs) {
  detail::check_inputs(fs);
  if (fs.empty()) {
    return make_ready_future(std::vector<detail::WhenElem<T>>{});
  }
  return detail::WhenAllVector<T>::start(fs);
}

}  // namespace gopool
