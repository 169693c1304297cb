// TaskGroup: x/sync's errgroup_test.go case by case (zero group, WithContext, SetLimit, TryGo),
// then gopool's rules: cancel before start, refusals, exceptions, hostile input, cancellation
// reaching parked tasks, tasks that post into their own pool, and an exactly-once stress.
#include "gopool/task_group.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

#include "gopool/chan.hpp"
#include "gopool/context.hpp"
#include "gopool/debug.hpp"
#include "gopool/future.hpp"
#include "gopool/multi_pool.hpp"
#include "gopool/pool.hpp"
#include "gopool/runtime.hpp"
#include "gopool/select.hpp"
#include "gopool/wait_group.hpp"
#include "pool_helpers.hpp"
#include "support/error_of.hpp"
#include "support/in_goroutine.hpp"

using namespace std::chrono_literals;
using gopool::Context;
using gopool::errc;
using gopool::Pool;
using gopool::TaskGroup;
using pool_test::eventually;

namespace {

const std::error_code kErr1 = std::make_error_code(std::errc::io_error);
const std::error_code kErr2 = std::make_error_code(std::errc::broken_pipe);
const std::error_code kCanceled = gopool::context_errc::canceled;

// Runs body on a foreign thread (this one) and again inside a goroutine: every member works
// from both, a goroutine parking where a thread waits.
template <class Body>
void from_thread_and_goroutine(Body&& body) {
  SUBCASE("from a thread") {
    body();
  }
  SUBCASE("from a goroutine") {
    gopool::test::in_goroutine(body);
  }
}

using gopool::test::system_error_of;

// Waits (a generous bound, never a timing check) until the group has n active tasks.
bool active_reaches(const TaskGroup& g, std::int64_t n) {
  return eventually([&] { return g.active() == n; });
}

}  // namespace

// --- x/sync errgroup_test.go -------------------------------------------------------------------

TEST_CASE("TestZeroGroup: wait returns the first error of the tasks given so far") {
  const std::vector<std::vector<std::error_code>> cases = {
      {}, {{}}, {kErr1}, {kErr1, {}}, {kErr1, {}, kErr2}};
  for (const auto& errs : cases) {
    TaskGroup g;
    std::error_code first;
    for (const std::error_code& err : errs) {
      g.go([err] { return err; });
      if (!first && err) first = err;
      CHECK(g.wait() == first);
    }
  }
}

TEST_CASE("TestWithContext: the first error wins and the context is done after wait") {
  const std::vector<std::pair<std::vector<std::error_code>, std::error_code>> cases = {
      {{}, {}}, {{{}}, {}}, {{kErr1}, kErr1}, {{kErr1, {}}, kErr1}};
  for (const auto& [errs, want] : cases) {
    TaskGroup g(gopool::background());
    for (const std::error_code& err : errs) {
      g.go([err] { return err; });
    }
    CHECK(g.wait() == want);
    CHECK(g.context().err() == kCanceled);
    bool canceled = false;
    gopool::select(gopool::on_recv(g.context().done(), [&] { canceled = true; }),
                   gopool::on_default([] {}));
    CHECK(canceled);
  }
}

TEST_CASE("TestGoLimit: at most `limit` tasks run at once") {
  constexpr int kLimit = 10;
  Pool pool(64);
  TaskGroup g(pool);
  g.set_limit(kLimit);
  std::atomic<int> active{0};
  std::atomic<int> most{0};
  for (int i = 0; i <= 1 << 10; ++i) {
    g.go([&]() -> std::error_code {
      const int n = ++active;
      int seen = most.load();
      while (n > seen && !most.compare_exchange_weak(seen, n)) {
      }
      if (n > kLimit) return std::make_error_code(std::errc::resource_unavailable_try_again);
      gopool::sleep_for(1us);  // gives the other tasks a chance to start
      --active;
      return {};
    });
  }
  CHECK(g.wait() == std::error_code{});
  CHECK(most.load() <= kLimit);
  CHECK(most.load() >= 1);
}

TEST_CASE("TestTryGo: try_go refuses at the limit and succeeds below it") {
  from_thread_and_goroutine([] {
    Pool pool(64);
    TaskGroup g(pool);
    constexpr int n = 42;
    g.set_limit(n);
    gopool::Chan<int> ch;
    auto fn = [ch] { ch.send(1); };
    for (int i = 0; i < n; ++i) {
      REQUIRE(g.try_go(fn));
    }
    CHECK_FALSE(g.try_go(fn));
    CHECK(g.stats().accepted == n);  // the refused one changed nothing
    gopool::go([ch] {
      for (int i = 0; i < n; ++i)
        (void)ch.recv();
    });
    CHECK(g.wait() == std::error_code{});

    CHECK(g.try_go(fn));  // below the limit again after every task ended
    gopool::go([ch] { (void)ch.recv(); });
    CHECK(g.wait() == std::error_code{});

    g.set_limit(1);  // switch the limit
    CHECK(g.try_go(fn));
    CHECK_FALSE(g.try_go(fn));
    gopool::go([ch] { (void)ch.recv(); });
    CHECK(g.wait() == std::error_code{});

    // Go blocks every call with SetLimit(0); gopool refuses the limit instead.
    CHECK(system_error_of([&] { g.set_limit(0); }) == errc::invalid_group_limit);
    CHECK(g.limit() == 1);
    CHECK(g.try_go(fn));
    gopool::go([ch] { (void)ch.recv(); });
    CHECK(g.wait() == std::error_code{});
    CHECK(g.stats().succeeded == n + 3);
  });
}

// --- Errors, exceptions, wait -----------------------------------------------------------------

TEST_CASE("the first of many failures wins; it is an error some task returned") {
  Pool pool(8);
  TaskGroup g(pool);
  std::vector<std::atomic<bool>> failed(200);
  for (int i = 0; i < 200; ++i) {
    g.go([i, &failed]() -> std::error_code {
      failed[static_cast<std::size_t>(i)] = true;
      return {i + 1, std::generic_category()};
    });
  }
  const std::error_code first = g.wait();
  REQUIRE(first);
  REQUIRE(first.value() >= 1);
  REQUIRE(first.value() <= 200);
  CHECK(failed[static_cast<std::size_t>(first.value() - 1)].load());
  const gopool::TaskGroupStats s = g.stats();
  CHECK(s.accepted == 200);
  CHECK(s.failed + s.cancelled == 200);
  CHECK(s.failed >= 1);
  CHECK(s.succeeded == 0);
  CHECK(g.wait() == first);  // twice: the same
}

TEST_CASE("an exception is a failure: wait() rethrows it, every time") {
  from_thread_and_goroutine([] {
    TaskGroup g;
    g.go([] { throw std::runtime_error("doomed"); });
    for (int round = 0; round < 2; ++round) {
      try {
        (void)g.wait();
        FAIL("wait() should have rethrown");
      } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()) == "doomed");
      }
    }
    CHECK(g.stats().failed == 1);
    CHECK(g.context().err() == kCanceled);
  });
}

TEST_CASE("the destructor waits for every task and swallows the failure") {
  std::atomic<int> finished{0};
  {
    TaskGroup g;
    g.set_limit(2);
    for (int i = 0; i < 10; ++i) {
      g.go([&] {
        gopool::sleep_for(200us);
        ++finished;
        throw std::logic_error("nobody asks wait()");
      });
    }
  }
  // The first throw stops the group: later tasks are cancelled before start, never half-run.
  CHECK(finished.load() >= 1);
  CHECK(finished.load() <= 10);
}

TEST_CASE("tasks take the group's context or nothing, and return void or an error_code") {
  TaskGroup g;
  std::atomic<int> ran{0};
  g.go([&] { ++ran; });
  g.go([&]() -> std::error_code {
    ++ran;
    return {};
  });
  const Context* seen = nullptr;
  g.go([&](const Context& ctx) {
    seen = &ctx;
    ++ran;
  });
  g.go([&](const Context& ctx) -> std::error_code {
    ++ran;
    return ctx.err();
  });
  g.go([&](Context ctx) {  // by value is fine too
    ++ran;
    (void)ctx;
  });
  g.go([&]() -> gopool::errc {  // any type that converts to std::error_code
    ++ran;
    return gopool::errc{};
  });
  void (*plain)() = [] {};
  g.go(plain);
  std::function<std::error_code(const Context&)> fn = [](const Context&) {
    return std::error_code{};
  };
  g.go(fn);
  CHECK(g.wait() == std::error_code{});
  CHECK(ran.load() == 6);
  CHECK(seen == &g.context());
  CHECK(g.stats().succeeded == 8);
}

TEST_CASE("after wait() the context is done but the group can be reused (Go's zero group)") {
  TaskGroup g;
  g.go([] {});
  CHECK(g.wait() == std::error_code{});
  CHECK(g.context().err() == kCanceled);
  std::atomic<bool> ran{false};
  g.go([&](const Context& ctx) {
    ran = true;
    return ctx.err() == kCanceled ? std::error_code{} : kErr1;  // it sees the done context
  });
  CHECK(g.wait() == std::error_code{});
  CHECK(ran.load());
}

// --- Cancel before start ------------------------------------------------------------------------

TEST_CASE("once a task failed, tasks that have not started never run") {
  from_thread_and_goroutine([] {
    Pool pool(4);
    TaskGroup g(pool);
    g.set_limit(1);
    gopool::Chan<int> gate;
    g.go([gate] {
      (void)gate.recv();
      return kErr1;
    });
    std::atomic<int> ran{0};
    // Blocked at the limit: this caller gives up when the first task fails.
    gopool::WaitGroup blocked;
    blocked.add(1);
    gopool::go([&] {
      g.go([&] { ++ran; });
      blocked.done();
    });
    REQUIRE(active_reaches(g, 2));
    gate.send(1);
    blocked.wait();
    g.go([&] { ++ran; });             // the group is stopped: cancelled at once
    CHECK(g.try_go([&] { ++ran; }));  // taken, and cancelled
    CHECK(g.wait() == kErr1);
    CHECK(ran.load() == 0);
    const gopool::TaskGroupStats s = g.stats();
    CHECK(s.accepted == 4);
    CHECK(s.failed == 1);
    CHECK(s.cancelled == 3);
    CHECK(s.succeeded == 0);
  });
}

TEST_CASE("a parent's cancel stops the group: queued tasks are cancelled, wait() says why") {
  from_thread_and_goroutine([] {
    Pool pool(1);
    Context parent = gopool::with_cancel(gopool::background());
    TaskGroup g(pool, parent);
    gopool::Chan<int> gate;
    std::atomic<int> ran{0};
    std::atomic<bool> started{false};
    g.go([&, gate] {
      started = true;
      (void)gate.recv();
      ++ran;
    });
    // The pool's one worker is busy: the next go() waits in the pool (with no group limit).
    gopool::WaitGroup blocked;
    blocked.add(1);
    gopool::go([&] {
      g.go([&] { ++ran; });
      blocked.done();
    });
    REQUIRE(eventually([&] { return started.load() && pool.waiting() == 1; }));
    parent.cancel();
    blocked.wait();  // it gave up waiting for a worker
    gate.close();
    CHECK(g.wait() == kCanceled);  // the first task succeeded, the second never ran
    CHECK(ran.load() == 1);
    const gopool::TaskGroupStats s = g.stats();
    CHECK(s.succeeded == 1);
    CHECK(s.cancelled == 1);
    g.go([&] { ++ran; });  // the parent is done: a new task is cancelled too
    CHECK(ran.load() == 1);
    CHECK(g.wait() == kCanceled);
  });
}

TEST_CASE("go() blocked at the limit gives up when the parent is cancelled") {
  from_thread_and_goroutine([] {
    Context parent = gopool::with_cancel(gopool::background());
    TaskGroup g(parent);
    g.set_limit(1);
    std::atomic<bool> started{false};
    g.go([&](const Context& ctx) {
      started = true;
      return gopool::sleep_for(ctx, std::chrono::hours(1));
    });
    std::atomic<bool> ran{false};
    gopool::WaitGroup blocked;
    blocked.add(1);
    std::thread caller([&] {  // a thread waits, as a goroutine parks
      g.go([&] { ran = true; });
      blocked.done();
    });
    REQUIRE(eventually([&] { return started.load() && g.active() == 2; }));
    parent.cancel();
    blocked.wait();
    caller.join();
    CHECK(g.wait() == kCanceled);
    CHECK_FALSE(ran.load());
    CHECK(g.stats().cancelled == 1);
    CHECK(g.stats().failed == 1);  // the sleeper returned ctx.err()
  });
}

TEST_CASE("a goroutine blocked in go() at the limit parks with the reason `task group`") {
  TaskGroup g;
  g.set_limit(1);
  gopool::Chan<int> gate;
  g.go([gate] { (void)gate.recv(); });
  std::atomic<std::uint64_t> blocked_id{0};
  gopool::WaitGroup blocked;
  blocked.add(1);
  gopool::go([&] {
    blocked_id = gopool::this_goroutine::id();
    g.go([] {});
    blocked.done();
  });
  REQUIRE(eventually([&] {
    for (const gopool::debug::GoroutineRecord& r : gopool::debug::goroutines()) {
      if (r.id == blocked_id.load() && r.state == gopool::debug::GoroutineState::waiting) {
        return r.wait_reason == gopool::debug::WaitReason::task_group;
      }
    }
    return false;
  }));
  CHECK(std::string(gopool::debug::to_string(gopool::debug::WaitReason::task_group)) ==
        "task group");
  gate.close();
  blocked.wait();
  CHECK(g.wait() == std::error_code{});
  CHECK(g.stats().succeeded == 2);
}

// --- Cancellation reaches parked tasks ----------------------------------------------------------

TEST_CASE("a parent's cancel reaches tasks parked in sleep_for(ctx), select on done, post(ctx)") {
  from_thread_and_goroutine([] {
    Pool pool(8);
    Pool full(1);
    gopool::Chan<int> hold;
    REQUIRE_FALSE(full.post([hold] { (void)hold.recv(); }));
    Context parent = gopool::with_cancel(gopool::background());
    TaskGroup g(pool, parent);
    std::atomic<int> started{0};
    g.go([&](const Context& ctx) {
      ++started;
      return gopool::sleep_for(ctx, std::chrono::hours(1));
    });
    g.go([&](const Context& ctx) {
      ++started;
      gopool::Chan<int> never;
      std::error_code why;
      gopool::select(gopool::on_recv(never), gopool::on_recv(ctx.done(), [&] { why = ctx.err(); }));
      return why;
    });
    g.go([&](const Context& ctx) {
      ++started;
      return full.post(ctx, [] {});
    });
    REQUIRE(eventually([&] { return started.load() == 3 && full.waiting() == 1; }));
    parent.cancel();
    CHECK(g.wait() == kCanceled);
    CHECK(g.stats().failed == 3);  // each returned the context's error
    hold.close();
  });
}

TEST_CASE("a failing task's cancel reaches its parked siblings") {
  from_thread_and_goroutine([] {
    TaskGroup g;
    std::atomic<int> started{0};
    for (int i = 0; i < 5; ++i) {
      g.go([&](const Context& ctx) {
        ++started;
        return gopool::sleep_for(ctx, std::chrono::hours(1));
      });
    }
    REQUIRE(eventually([&] { return started.load() == 5; }));
    g.go([] { return kErr2; });
    CHECK(g.wait() == kErr2);
    CHECK(g.stats().failed == 6);
  });
}

// --- The pool's refusals ------------------------------------------------------------------------

TEST_CASE("a closed pool's refusal is the group's error, reported once; on_reject never sees it") {
  std::atomic<int> rejected{0};
  gopool::PoolOptions options;
  options.on_reject = [&](gopool::RejectedTask) { ++rejected; };
  Pool pool(4, options);
  pool.release();
  TaskGroup g(pool);
  std::atomic<int> ran{0};
  g.go([&] { ++ran; });
  g.go([&] { ++ran; });  // stopped by the first refusal: cancelled before start
  CHECK(g.try_go([&] { ++ran; }));
  CHECK(g.wait() == errc::pool_closed);
  CHECK(ran.load() == 0);
  CHECK(rejected.load() == 0);
  const gopool::TaskGroupStats s = g.stats();
  CHECK(s.refused == 1);
  CHECK(s.cancelled == 2);
  CHECK(s.accepted == 3);
}

TEST_CASE("try_go on a full pool returns false and changes nothing") {
  Pool pool(1);
  gopool::Chan<int> hold;
  REQUIRE_FALSE(pool.post([hold] { (void)hold.recv(); }));
  REQUIRE(eventually([&] { return pool.busy() == 1; }));
  TaskGroup g(pool);
  std::atomic<bool> ran{false};
  CHECK_FALSE(g.try_go([&] { ran = true; }));
  CHECK(g.stats().accepted == 0);
  CHECK(g.active() == 0);
  hold.close();
  CHECK(g.wait() == std::error_code{});
  CHECK_FALSE(ran.load());
}

// --- Hostile input ----------------------------------------------------------------------------

TEST_CASE("null callables are refused with errc::null_task and change nothing") {
  from_thread_and_goroutine([] {
    TaskGroup g;
    void (*null_fn)() = nullptr;
    std::error_code (*null_ctx_fn)(const Context&) = nullptr;
    std::function<void()> empty;
    std::function<std::error_code(const Context&)> empty_ctx;
    CHECK(system_error_of([&] { g.go(null_fn); }) == errc::null_task);
    CHECK(system_error_of([&] { g.go(null_ctx_fn); }) == errc::null_task);
    CHECK(system_error_of([&] { g.go(empty); }) == errc::null_task);
    CHECK(system_error_of([&] { (void)g.try_go(empty_ctx); }) == errc::null_task);
    CHECK(g.stats().accepted == 0);
    CHECK(g.active() == 0);
    CHECK(g.wait() == std::error_code{});
  });
}

TEST_CASE("set_limit and set_name refuse while tasks are active, changing nothing") {
  TaskGroup g;
  CHECK(system_error_of([&] { g.set_limit(0); }) == errc::invalid_group_limit);
  CHECK(g.limit() == -1);
  g.set_limit(-5);  // negative: no limit
  CHECK(g.limit() == -1);
  g.set_limit(3);
  g.set_name("batch");
  gopool::Chan<int> gate;
  g.go([gate] { (void)gate.recv(); });
  CHECK(system_error_of([&] { g.set_limit(5); }) == errc::group_active);
  CHECK(system_error_of([&] { g.set_limit(-1); }) == errc::group_active);
  CHECK(system_error_of([&] { g.set_name("other"); }) == errc::group_active);
  CHECK(g.limit() == 3);
  CHECK(g.name() == "batch");
  try {
    g.set_limit(5);
  } catch (const std::system_error& e) {
    CHECK(std::string(e.what()).find("batch") != std::string::npos);
  }
  gate.close();
  CHECK(g.wait() == std::error_code{});
  g.set_limit(5);
  CHECK(g.limit() == 5);
  g.set_name("");  // back to the default
  CHECK(g.name().rfind("group#", 0) == 0);
}

TEST_CASE("every group has a distinct default name") {
  TaskGroup a;
  TaskGroup b;
  CHECK(a.name().rfind("group#", 0) == 0);
  CHECK(a.name() != b.name());
}

TEST_CASE("a task's move that throws is the group's failure, and the task does not run") {
  struct Grumpy {
    std::shared_ptr<std::atomic<int>> runs = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<std::atomic<int>> moves = std::make_shared<std::atomic<int>>(0);
    Grumpy() = default;
    Grumpy(const Grumpy&) = default;
    Grumpy(Grumpy&& o) noexcept(false) : runs(o.runs), moves(o.moves) {
      // A callable that may throw when moved lives on the heap inside the pool's task, so it
      // moves twice: into the task, and out of it just before it would run. The second throws.
      if (++*moves >= 2) throw std::runtime_error("no move");
    }
    void operator()() const { ++*runs; }
  };
  Grumpy f;
  TaskGroup g;
  g.go(f);
  CHECK_THROWS_AS((void)g.wait(), std::runtime_error);
  CHECK(f.runs->load() == 0);
  CHECK(f.moves->load() == 2);
  CHECK(g.stats().failed == 1);
}

// --- Tasks that post into their own pool --------------------------------------------------------

TEST_CASE("tasks waiting on posts into the same pool do not deadlock with a limit below capacity") {
  from_thread_and_goroutine([] {
    constexpr int kCap = 4;
    Pool pool(kCap);
    TaskGroup g(pool);
    g.set_limit(kCap - 1);  // leaves one worker for what the tasks wait for
    std::atomic<int> leaves{0};
    for (int i = 0; i < 64; ++i) {
      g.go([&, i]() -> std::error_code {
        if (i % 2 == 0) {
          // A submit into the same pool, waited for.
          pool.submit([&] { ++leaves; }).get();
          return {};
        }
        // A group of its own on the same pool, waited for: its tasks wait for nothing.
        TaskGroup inner(pool);
        for (int j = 0; j < 3; ++j)
          inner.go([&] { ++leaves; });
        return inner.wait();
      });
    }
    CHECK(g.wait() == std::error_code{});
    CHECK(leaves.load() == 32 + 32 * 3);
  });
}

// --- MultiPool and many callers -----------------------------------------------------------------

TEST_CASE("a group runs on a MultiPool") {
  gopool::MultiPool multi(2, 4, gopool::LoadBalancing::round_robin);
  TaskGroup g(multi);
  g.set_limit(6);
  std::atomic<int> ran{0};
  for (int i = 0; i < 500; ++i)
    g.go([&] { ++ran; });
  CHECK(g.wait() == std::error_code{});
  CHECK(ran.load() == 500);
}

TEST_CASE("go() from many threads and goroutines at once, with a limit") {
  Pool pool(16);
  TaskGroup g(pool);
  g.set_limit(5);
  std::atomic<int> ran{0};
  std::atomic<int> running{0};
  std::atomic<bool> over{false};
  auto task = [&] {
    if (++running > 5) over = true;
    gopool::yield();
    --running;
    ++ran;
  };
  std::vector<std::thread> threads;
  gopool::WaitGroup goroutines;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i)
        g.go(task);
    });
    goroutines.add(1);
    gopool::go([&] {
      for (int i = 0; i < 500; ++i)
        g.go(task);
      goroutines.done();
    });
  }
  for (std::thread& t : threads)
    t.join();
  goroutines.wait();
  CHECK(g.wait() == std::error_code{});
  CHECK(ran.load() == 3000);
  CHECK_FALSE(over.load());
}

// --- Exactly once, under load -------------------------------------------------------------------

namespace {

#if defined(GOPOOL_TSAN)
constexpr int kStressTasks = 400'000;
#elif defined(GOPOOL_ASAN) || defined(GOPOOL_CHAOS)
constexpr int kStressTasks = 1'000'000;
#else
constexpr int kStressTasks = 1'000'000;
#endif
constexpr int kStressGroups = 100;
constexpr int kStressThreads = 4;

// A task's own error: its index, so the error wait() returns names the task that failed.
class StressCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "stress"; }
  std::string message(int v) const override { return "task " + std::to_string(v - 1); }
};

const std::error_category& stress_category() {
  static const StressCategory category{};
  return category;
}

struct StressThrow {
  int task;
};

// splitmix64: a task's fate from its index, the same in every run.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

TEST_CASE("stress: tasks in 100 groups from 4 threads: each runs once or is cancelled first") {
  constexpr int kPerGroup = kStressTasks / kStressGroups;
  Pool pool(32);
  std::vector<Context> parents;
  std::vector<std::unique_ptr<TaskGroup>> groups;
  std::vector<int> fail_at(kStressGroups, -1);    // the task (in its group) that fails first
  std::vector<int> cancel_at(kStressGroups, -1);  // the go() before which the parent is cancelled
  for (int i = 0; i < kStressGroups; ++i) {
    parents.push_back(gopool::with_cancel(gopool::background()));
    groups.push_back(std::make_unique<TaskGroup>(pool, parents.back()));
    groups.back()->set_limit(i % 10 == 0 ? -1 : 1 + i % 7);
    const std::uint64_t r = mix(static_cast<std::uint64_t>(i) + 7);
    // Late, so that most tasks run first: a third of the groups fail in their second half, two
    // fifths are cancelled by their parent somewhere after their first quarter.
    if (r % 3 == 0) {
      fail_at[static_cast<std::size_t>(i)] =
          kPerGroup / 2 + static_cast<int>((r >> 8) % (kPerGroup / 2));
    }
    if (r % 5 < 2) {
      cancel_at[static_cast<std::size_t>(i)] =
          kPerGroup / 4 + static_cast<int>((r >> 32) % (kPerGroup * 3 / 4));
    }
  }
  // Per task: how often it ran (must end 0 or 1) and whether it failed.
  std::vector<std::atomic<std::uint8_t>> runs(kStressTasks);
  std::vector<std::atomic<bool>> failed(kStressTasks);
  std::vector<std::atomic<std::uint64_t>> given(kStressGroups);

  auto body = [&](int thread) {
    for (int t = thread; t < kStressTasks; t += kStressThreads) {
      const int group = t % kStressGroups;
      const int index = t / kStressGroups;
      const auto gi = static_cast<std::size_t>(group);
      if (index == cancel_at[gi]) parents[gi].cancel();
      const std::uint64_t r = mix(static_cast<std::uint64_t>(t));
      // Rare failures besides the planned one, errors and exceptions: in about a third and a
      // fifth of the groups.
      const std::uint64_t per_group = kPerGroup;
      const int fate = index == fail_at[gi]       ? 1
                       : r % (3 * per_group) == 0 ? 1
                       : r % (5 * per_group) == 1 ? 2
                                                  : 0;
      given[gi].fetch_add(1, std::memory_order_relaxed);
      groups[gi]->go([&, t, fate, r](const Context& ctx) -> std::error_code {
        runs[static_cast<std::size_t>(t)].fetch_add(1, std::memory_order_relaxed);
        if (r % 64 == 3) gopool::yield();
        if (r % 1024 == 5) (void)gopool::sleep_for(ctx, 50us);
        if (fate == 0) return {};
        failed[static_cast<std::size_t>(t)] = true;
        if (fate == 2) throw StressThrow{t};
        return {t + 1, stress_category()};
      });
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kStressThreads; ++i)
    threads.emplace_back(body, i);
  for (std::thread& th : threads)
    th.join();

  std::uint64_t total_run = 0;
  for (int i = 0; i < kStressGroups; ++i) {
    const auto gi = static_cast<std::size_t>(i);
    TaskGroup& g = *groups[gi];
    std::error_code err;
    std::optional<int> thrown;
    try {
      err = g.wait();
    } catch (const StressThrow& e) {
      thrown = e.task;
    }
    const gopool::TaskGroupStats s = g.stats();
    std::uint64_t ran = 0;
    std::uint64_t twice = 0;
    std::uint64_t fails = 0;
    for (int t = i; t < kStressTasks; t += kStressGroups) {
      const auto ti = static_cast<std::size_t>(t);
      const std::uint8_t n = runs[ti].load();
      twice += n > 1 ? 1 : 0;
      ran += n;
      fails += failed[ti].load() ? 1 : 0;
    }
    CHECK(twice == 0);  // never run twice
    total_run += ran;
    INFO("group " << i);
    CHECK(s.accepted == given[gi].load());
    CHECK(s.accepted == static_cast<std::uint64_t>(kPerGroup));
    CHECK(s.succeeded + s.failed == ran);    // every task that ran is counted once
    CHECK(s.failed == fails);                // every failure is counted once
    CHECK(s.cancelled == s.accepted - ran);  // and every other one was cancelled before start
    CHECK(s.refused == 0);
    CHECK(g.active() == 0);
    if (s.failed == 0 && s.cancelled == 0) {
      CHECK_FALSE(err);
      CHECK_FALSE(thrown);
    } else if (thrown) {
      CHECK(failed[static_cast<std::size_t>(*thrown)].load());  // the first failure, a throw
    } else if (err.category() == stress_category()) {
      CHECK(failed[static_cast<std::size_t>(err.value() - 1)].load());
    } else {
      CHECK(err == kCanceled);  // cancelled by its parent before any failure
      CHECK(parents[gi].err() == kCanceled);
    }
    // wait() again reports the same.
    std::error_code again;
    std::optional<int> thrown_again;
    try {
      again = g.wait();
    } catch (const StressThrow& e) {
      thrown_again = e.task;
    }
    CHECK(again == err);
    CHECK(thrown_again == thrown);
  }
  CHECK(total_run > 0);
  MESSAGE("tasks run: " << total_run << " of " << kStressTasks);
}
