// MultiPoolWithFunc<Arg>: several pools behind one invoke point, all running one function (ants'
// MultiPoolWithFunc, v2.9).
#pragma once

#include <chrono>
#include <functional>
#include <source_location>
#include <string>
#include <system_error>
#include <utility>

#include "gopool/context.hpp"
#include "gopool/errors.hpp"
#include "gopool/future.hpp"
#include "gopool/multi_pool.hpp"
#include "gopool/pool_options.hpp"
#include "gopool/reject_policy.hpp"

namespace gopool {

// MultiPoolWithFunc<Arg>: `size` pools of `size_per_pool` workers each that run fn(arg) for
// every invoke(arg), balanced as MultiPool balances tasks (its pools are named "<name>/<i>").
// The same capacity, blocking, rejection, purge and lifecycle rules as MultiPool. Every member
// may be called from goroutines and foreign threads. Neither copyable nor movable; the
// destructor releases every pool and waits for their calls (a goroutine parks, a thread waits).
template <class Arg>
class MultiPoolWithFunc {
 public:
  // MultiPoolWithFunc: throws std::system_error with errc::lack_pool_func if fn is empty
  // (checked first, as ants), else MultiPool's constructor errors.
  MultiPoolWithFunc(int size, int size_per_pool, std::function<void(Arg)> fn,
                    LoadBalancing strategy, PoolOptions options = {})
      : fn_(require(std::move(fn))), pools_(size, size_per_pool, strategy, std::move(options)) {}

  MultiPoolWithFunc(const MultiPoolWithFunc&) = delete;
  MultiPoolWithFunc& operator=(const MultiPoolWithFunc&) = delete;

  // invoke: runs fn(arg) on a worker of the pool the strategy picks (MultiPool::post()'s rules
  // and errors). Each call of the family records its caller's source_location as the post site.
  [[nodiscard]] std::error_code invoke(
      Arg arg, std::source_location where = std::source_location::current()) {
    return pools_.post(Call{&fn_, std::move(arg)}, where);
  }
  template <class Rep, class Period>
  [[nodiscard]] std::error_code invoke_for(
      std::chrono::duration<Rep, Period> timeout, Arg arg,
      std::source_location where = std::source_location::current()) {
    return pools_.post_for(timeout, Call{&fn_, std::move(arg)}, where);
  }
  [[nodiscard]] std::error_code invoke_until(
      Clock::time_point deadline, Arg arg,
      std::source_location where = std::source_location::current()) {
    return pools_.post_until(deadline, Call{&fn_, std::move(arg)}, where);
  }
  [[nodiscard]] std::error_code invoke(
      const Context& ctx, Arg arg, std::source_location where = std::source_location::current()) {
    return pools_.post(ctx, Call{&fn_, std::move(arg)}, where);
  }

  // submit: invoke() with a Future<void> (ready when fn(arg) returned, or holding what it threw;
  // a refusal makes get() throw std::system_error with the error).
  Future<void> submit(Arg arg, std::source_location where = std::source_location::current()) {
    return pools_.submit(Call{&fn_, std::move(arg)}, where);
  }
  template <class Rep, class Period>
  Future<void> submit_for(std::chrono::duration<Rep, Period> timeout, Arg arg,
                          std::source_location where = std::source_location::current()) {
    return pools_.submit_for(timeout, Call{&fn_, std::move(arg)}, where);
  }
  Future<void> submit_until(Clock::time_point deadline, Arg arg,
                            std::source_location where = std::source_location::current()) {
    return pools_.submit_until(deadline, Call{&fn_, std::move(arg)}, where);
  }
  Future<void> submit(const Context& ctx, Arg arg,
                      std::source_location where = std::source_location::current()) {
    return pools_.submit(ctx, Call{&fn_, std::move(arg)}, where);
  }

  // try_invoke: invoke() that hands the argument back when refused (see Refusal).
  [[nodiscard]] Refusal<Arg> try_invoke(
      Arg arg, std::source_location where = std::source_location::current()) {
    return unwrap(pools_.try_post(Call{&fn_, std::move(arg)}, where));
  }
  template <class Rep, class Period>
  [[nodiscard]] Refusal<Arg> try_invoke_for(
      std::chrono::duration<Rep, Period> timeout, Arg arg,
      std::source_location where = std::source_location::current()) {
    return unwrap(pools_.try_post_for(timeout, Call{&fn_, std::move(arg)}, where));
  }
  [[nodiscard]] Refusal<Arg> try_invoke_until(
      Clock::time_point deadline, Arg arg,
      std::source_location where = std::source_location::current()) {
    return unwrap(pools_.try_post_until(deadline, Call{&fn_, std::move(arg)}, where));
  }
  [[nodiscard]] Refusal<Arg> try_invoke(
      const Context& ctx, Arg arg, std::source_location where = std::source_location::current()) {
    return unwrap(pools_.try_post(ctx, Call{&fn_, std::move(arg)}, where));
  }

  // Counters and lifecycle: as MultiPool's.
  int size() const noexcept { return pools_.size(); }
  int running() const noexcept { return pools_.running(); }
  int busy() const noexcept { return pools_.busy(); }
  int free() const noexcept { return pools_.free(); }
  int waiting() const noexcept { return pools_.waiting(); }
  int cap() const noexcept { return pools_.cap(); }
  IndexedCount running_at(int index) const noexcept { return pools_.running_at(index); }
  IndexedCount busy_at(int index) const noexcept { return pools_.busy_at(index); }
  IndexedCount free_at(int index) const noexcept { return pools_.free_at(index); }
  IndexedCount waiting_at(int index) const noexcept { return pools_.waiting_at(index); }
  bool is_closed() const noexcept { return pools_.is_closed(); }
  PoolStats stats() const noexcept { return pools_.stats(); }
  const std::string& name() const noexcept { return pools_.name(); }
  std::error_code tune(int n) { return pools_.tune(n); }
  void release() { pools_.release(); }
  template <class Rep, class Period>
  std::error_code release_timeout(std::chrono::duration<Rep, Period> timeout) {
    return pools_.release_timeout(timeout);
  }
  void reboot() { pools_.reboot(); }
  void wait() { pools_.wait(); }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) {
    return pools_.wait_for(d);
  }

 private:
  // Call: one invoke()'s task: the shared function and the argument it owns.
  struct Call {
    const std::function<void(Arg)>* fn;
    Arg arg;
    void operator()() { (*fn)(std::move(arg)); }
  };

  static std::function<void(Arg)> require(std::function<void(Arg)> fn) {
    if (!fn) throw std::system_error(make_error_code(errc::lack_pool_func));
    return fn;
  }

  static Refusal<Arg> unwrap(Refusal<Call> refused) {
    if (!refused) return {};
    return Refusal<Arg>(refused.error(), std::move(refused.take().arg));
  }

  std::function<void(Arg)> fn_;  // before pools_: its workers call it until they are gone
  MultiPool pools_;
};

}  // namespace gopool
