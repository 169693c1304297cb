// Task: a move-only, type-erased `void()` callable with a small inline buffer, so that
// the lambdas people pass to go() and Pool::post() cost no allocation.
#pragma once

#include <cstddef>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

#include "gopool/export.hpp"

namespace gopool::detail {

// Task stores any move-constructible callable invocable as `void()`. Callables of up to
// kInlineSize bytes (and nothrow-movable) live inside the Task; larger ones on the heap. A null
// function pointer or an empty std::function makes an empty Task.
// NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): buf_ is raw storage
class Task {
 public:
  static constexpr std::size_t kInlineSize = 48;

  Task() noexcept = default;  // NOLINT(cppcoreguidelines-pro-type-member-init): raw buf_

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, Task> && std::is_invocable_v<D&>>>
  // A callable is a Task (implicit); buf_ is raw storage, written by what is placed in it.
  // NOLINTNEXTLINE(google-explicit-constructor,cppcoreguidelines-pro-type-member-init)
  Task(F&& f) {
    // A null function pointer or an empty std::function makes an empty Task (a function
    // itself, passed by reference, is never null).
    if constexpr (!std::is_function_v<std::remove_reference_t<F>> &&
                  std::is_constructible_v<bool, const D&>) {
      if (!static_cast<bool>(f)) return;
    }
    if constexpr (fits_inline<D>()) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      ops_ = &kInlineOps<D>;
    } else {
      *reinterpret_cast<D**>(buf_) = new D(std::forward<F>(f));
      ops_ = &kHeapOps<D>;
    }
  }

  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): buf_ is raw storage
  Task(Task&& other) noexcept : ops_(other.ops_) {
    if (ops_ != nullptr) {
      ops_->relocate(buf_, other.buf_);
      other.ops_ = nullptr;
    }
  }

  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      ops_ = other.ops_;
      if (ops_ != nullptr) {
        ops_->relocate(buf_, other.buf_);
        other.ops_ = nullptr;
      }
    }
    return *this;
  }

  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  // True when the Task holds a callable.
  explicit operator bool() const noexcept { return ops_ != nullptr; }

  // Calls the callable. Precondition: the Task is not empty.
  void operator()() { ops_->invoke(buf_); }

  // Destroys the callable, leaving the Task empty.
  void reset() noexcept {
    if (ops_ != nullptr) {
      ops_->destroy(buf_);
      ops_ = nullptr;
    }
  }

  // refuse: tells a callable that can be told (one with a member `refuse(std::error_code,
  // const char*)`, as submit()'s task, whose future then reports the refusal) why its pool
  // refused it: the code and a sentence naming the pool and the cause. Does nothing for any
  // other callable or an empty Task.
  void refuse(std::error_code reason, const char* why) noexcept {
    if (ops_ != nullptr && ops_->refuse != nullptr) ops_->refuse(buf_, reason, why);
  }

  // target: the stored callable if it is a D, else nullptr (as std::function::target): how a
  // refused task's callable is handed back to its owner.
  template <class D>
  D* target() noexcept {
    if (ops_ == &kInlineOps<D>) return std::launder(reinterpret_cast<D*>(buf_));
    if (ops_ == &kHeapOps<D>) return *reinterpret_cast<D**>(buf_);
    return nullptr;
  }

  // True when F would be stored without a heap allocation.
  template <class F>
  static constexpr bool fits_inline() {
    return sizeof(F) <= kInlineSize && alignof(F) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<F>;
  }

 private:
  struct Ops {
    void (*invoke)(void*);
    void (*relocate)(void* dst, void* src) noexcept;
    void (*destroy)(void*) noexcept;
    void (*refuse)(void*, std::error_code, const char*) noexcept;  // null unless D can be told
  };

  template <class D>
  static constexpr bool kRefusable = requires(D& d, std::error_code ec, const char* why) {
    { d.refuse(ec, why) }
    noexcept;
  };

  template <class D, bool Heap>
  static void refuse_stored(void* p, std::error_code ec, const char* why) noexcept {
    if constexpr (kRefusable<D>) {
      if constexpr (Heap) {
        (*static_cast<D**>(p))->refuse(ec, why);
      } else {
        static_cast<D*>(p)->refuse(ec, why);
      }
    }
  }

  template <class D>
  static constexpr Ops kInlineOps{[](void* p) { (*static_cast<D*>(p))(); },
                                  [](void* dst, void* src) noexcept {
                                    ::new (dst) D(std::move(*static_cast<D*>(src)));
                                    static_cast<D*>(src)->~D();
                                  },
                                  [](void* p) noexcept { static_cast<D*>(p)->~D(); },
                                  kRefusable<D> ? &refuse_stored<D, false> : nullptr};

  template <class D>
  static constexpr Ops kHeapOps{
      [](void* p) { (**static_cast<D**>(p))(); },
      [](void* dst, void* src) noexcept { *static_cast<D**>(dst) = *static_cast<D**>(src); },
      [](void* p) noexcept { delete *static_cast<D**>(p); },
      kRefusable<D> ? &refuse_stored<D, true> : nullptr};

  // Raw storage, written by whatever is placed in it: left uninitialized on purpose.
  alignas(std::max_align_t) unsigned char buf_[kInlineSize];
  const Ops* ops_ = nullptr;
};

}  // namespace gopool::detail
