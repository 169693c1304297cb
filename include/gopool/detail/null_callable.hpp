// is_null_callable: whether a callable handed to gopool is empty (a null function pointer, an
// empty std::function or Task). Every API that takes a callable refuses those the same way.
#pragma once

#include <functional>
#include <type_traits>

#include "gopool/detail/task.hpp"

namespace gopool::detail {

template <class T>
struct IsStdFunction : std::false_type {};
template <class R, class... A>
struct IsStdFunction<std::function<R(A...)>> : std::true_type {};

// is_null_callable: true for a null function (member) pointer, an empty std::function or an
// empty Task; a pool refuses those with errc::null_task.
template <class F>
bool is_null_callable(const F& f) noexcept {
  using D = std::remove_cvref_t<F>;
  if constexpr (std::is_pointer_v<D> || std::is_member_pointer_v<D>) {
    return f == nullptr;
  } else if constexpr (IsStdFunction<D>::value || std::is_same_v<D, Task>) {
    return !f;
  } else {
    return false;
  }
}

}  // namespace gopool::detail
