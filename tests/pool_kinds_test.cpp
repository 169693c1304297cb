// The even API: one test body instantiated over Pool, PoolWithFunc, MultiPool and
// MultiPoolWithFunc. Each kind is driven through a small adapter that maps "run one unit of
// work" onto post() or invoke(); everything else (the _for/_until/ctx forms, submit's future,
// try_*'s hand-back, counters, wait_for, release and reboot, names) is called by the same name.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include <gopool/context.hpp>
#include <gopool/multi_pool.hpp>
#include <gopool/multi_pool_with_func.hpp>
#include <gopool/pool.hpp>
#include <gopool/pool_with_func.hpp>
#include <gopool/wait_group.hpp>

namespace {

using namespace std::chrono_literals;

// Work: what one unit does: counts itself, then waits on `gate` when it is set.
struct Work {
  std::atomic<int>* ran;
  gopool::WaitGroup* gate;
  void operator()() const {
    ran->fetch_add(1);
    if (gate != nullptr) gate->wait();
  }
};

gopool::PoolOptions nonblocking(const std::string& name) {
  gopool::PoolOptions o;
  o.name = name;
  o.nonblocking = true;
  return o;
}

// PostCalls / InvokeCalls: the family of calls of the kinds that take a callable (post, Pool
// and MultiPool) and of those that take an argument (invoke, the WithFunc kinds).
template <class T>
struct PostCalls {
  static std::error_code run(T& p, Work w) { return p.post(w); }
  static std::error_code run_for(T& p, Work w) { return p.post_for(1ms, w); }
  static std::error_code run_until(T& p, Work w) {
    return p.post_until(gopool::Clock::now() + 1ms, w);
  }
  static std::error_code run(T& p, const gopool::Context& c, Work w) { return p.post(c, w); }
  static std::error_code try_run(T& p, Work w, Work& back) {
    auto r = p.try_post(w);
    if (r) back = r.take();
    return r.error();
  }
};

template <class T>
struct InvokeCalls {
  static std::error_code run(T& p, Work w) { return p.invoke(w); }
  static std::error_code run_for(T& p, Work w) { return p.invoke_for(1ms, w); }
  static std::error_code run_until(T& p, Work w) {
    return p.invoke_until(gopool::Clock::now() + 1ms, w);
  }
  static std::error_code run(T& p, const gopool::Context& c, Work w) { return p.invoke(c, w); }
  static std::error_code try_run(T& p, Work w, Work& back) {
    auto r = p.try_invoke(w);
    if (r) back = r.take();
    return r.error();
  }
};

// Every kind's submit family has the same names; with a Work it yields a Future<void>.
template <class T>
struct SubmitCalls {
  static gopool::Future<void> submit(T& p, Work w) { return p.submit(w); }
  static gopool::Future<void> submit_for(T& p, Work w) { return p.submit_for(1ms, w); }
  static gopool::Future<void> submit_until(T& p, Work w) {
    return p.submit_until(gopool::Clock::now() + 1ms, w);
  }
};

void run_work(Work w) {
  w();
}

struct PoolKind : PostCalls<gopool::Pool>, SubmitCalls<gopool::Pool> {
  using Type = gopool::Pool;
  static constexpr int kPools = 1;
  static std::unique_ptr<Type> make(int cap, gopool::PoolOptions o) {
    return std::make_unique<Type>(cap, std::move(o));
  }
};

struct PoolWithFuncKind : InvokeCalls<gopool::PoolWithFunc<Work>>,
                          SubmitCalls<gopool::PoolWithFunc<Work>> {
  using Type = gopool::PoolWithFunc<Work>;
  static constexpr int kPools = 1;
  static std::unique_ptr<Type> make(int cap, gopool::PoolOptions o) {
    return std::make_unique<Type>(cap, run_work, std::move(o));
  }
};

struct MultiPoolKind : PostCalls<gopool::MultiPool>, SubmitCalls<gopool::MultiPool> {
  using Type = gopool::MultiPool;
  static constexpr int kPools = 2;
  static std::unique_ptr<Type> make(int cap, gopool::PoolOptions o) {
    return std::make_unique<Type>(kPools, cap, gopool::LoadBalancing::round_robin, std::move(o));
  }
};

struct MultiPoolWithFuncKind : InvokeCalls<gopool::MultiPoolWithFunc<Work>>,
                               SubmitCalls<gopool::MultiPoolWithFunc<Work>> {
  using Type = gopool::MultiPoolWithFunc<Work>;
  static constexpr int kPools = 2;
  static std::unique_ptr<Type> make(int cap, gopool::PoolOptions o) {
    return std::make_unique<Type>(kPools, cap, run_work, gopool::LoadBalancing::round_robin,
                                  std::move(o));
  }
};

}  // namespace

TEST_CASE_TEMPLATE("every pool kind: the same family of calls, the same answers", K, PoolKind,
                   PoolWithFuncKind, MultiPoolKind, MultiPoolWithFuncKind) {
  std::atomic<int> ran{0};
  gopool::WaitGroup gate;
  gate.add(1);
  auto pool = K::make(1, nonblocking("kinds"));
  const int slots = K::kPools;  // one worker per member pool
  CHECK(pool->cap() == slots);
  CHECK_FALSE(pool->is_closed());

  // Accepted work runs exactly once; a future completes.
  REQUIRE_FALSE(K::run(*pool, Work{&ran, nullptr}));
  pool->wait();  // nonblocking: the next call needs that worker back
  K::submit(*pool, Work{&ran, nullptr}).get();
  REQUIRE(pool->wait_for(30s));
  CHECK(ran == 2);

  // Fill every slot, then each form refuses with pool_overload (nonblocking).
  for (int i = 0; i < slots; ++i)
    REQUIRE_FALSE(K::run(*pool, Work{&ran, &gate}));
  CHECK(pool->busy() == slots);
  CHECK(K::run(*pool, Work{&ran, nullptr}) == gopool::errc::pool_overload);
  CHECK(K::run_for(*pool, Work{&ran, nullptr}) == gopool::errc::pool_overload);
  CHECK(K::run_until(*pool, Work{&ran, nullptr}) == gopool::errc::pool_overload);
  CHECK(K::run(*pool, gopool::background(), Work{&ran, nullptr}) == gopool::errc::pool_overload);
  const auto refused_with = [](gopool::Future<void> future) {
    try {
      future.get();
    } catch (const std::system_error& e) {
      return e.code();
    }
    return std::error_code{};
  };
  CHECK(refused_with(K::submit(*pool, Work{&ran, nullptr})) == gopool::errc::pool_overload);
  CHECK(refused_with(K::submit_for(*pool, Work{&ran, nullptr})) == gopool::errc::pool_overload);
  CHECK(refused_with(K::submit_until(*pool, Work{&ran, nullptr})) == gopool::errc::pool_overload);
  Work back{nullptr, nullptr};
  CHECK(K::try_run(*pool, Work{&ran, nullptr}, back) == gopool::errc::pool_overload);
  CHECK(back.ran == &ran);  // handed back, not run
  CHECK_FALSE(pool->wait_for(1ms));

  gate.done();
  REQUIRE(pool->wait_for(30s));
  CHECK(ran == 2 + slots);
  const gopool::PoolStats s = pool->stats();
  CHECK(s.submitted == static_cast<std::uint64_t>(2 + slots));
  CHECK(s.rejected_full == 8);
  CHECK(s.rejected == 8);
  CHECK(pool->name() == "kinds");

  // Released (and its workers gone): every form refuses with pool_closed; reboot reopens.
  CHECK(pool->release_timeout(30s) == std::error_code{});
  CHECK(pool->is_closed());
  CHECK(K::run(*pool, Work{&ran, nullptr}) == gopool::errc::pool_closed);
  CHECK(K::try_run(*pool, Work{&ran, nullptr}, back) == gopool::errc::pool_closed);
  pool->reboot();
  CHECK_FALSE(pool->is_closed());
  REQUIRE_FALSE(K::run(*pool, Work{&ran, nullptr}));
  pool->wait();
  CHECK(ran == 3 + slots);
  CHECK_FALSE(pool->tune(2));
  CHECK(pool->cap() == 2 * slots);
  pool->release();
  CHECK(pool->release_timeout(1s) == gopool::errc::pool_closed);  // already closed, as ants
}

TEST_CASE("post(f, args...) decay-copies the arguments, as submit(f, args...)") {
  gopool::Pool pool(2);
  gopool::MultiPool multi(2, 2, gopool::LoadBalancing::least_tasks);
  std::atomic<int> sum{0};
  std::string text = "abc";
  auto add = [&sum](int a, const std::string& s) { sum += a + static_cast<int>(s.size()); };
  REQUIRE_FALSE(pool.post(add, 4, text));
  REQUIRE_FALSE(multi.post(add, 10, std::string("de")));
  text.clear();  // the pool holds its own copy
  pool.wait();
  multi.wait();
  CHECK(sum == 4 + 3 + 10 + 2);
  CHECK(pool.stats().submitted == 1);
}
