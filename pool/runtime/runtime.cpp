// The public runtime API (gopool/runtime.hpp) over the scheduler.
#include "gopool/runtime.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>

#include "runtime/parker.hpp"

#include "runtime/g.hpp"
#include "runtime/scheduler.hpp"

namespace gopool {
namespace {

bool valid_stack_size(std::size_t size) {
  return size >= detail::kMinStackSize && size <= detail::kMaxStackSize;
}

// Sleeps until t (time_point::max(): forever); now is a fresh clock reading. In a goroutine a
// timeout means t has passed (the timer fires only then), so only a stray wake-up costs another
// clock read; any wake-up that comes before t just sleeps again.
void sleep_until_from(Clock::time_point t, Clock::time_point now) {
  detail::G* g = detail::current_g();
  if (g == nullptr) {
    while (now < t) {
      std::this_thread::sleep_for(std::min<Clock::duration>(t - now, std::chrono::hours(24)));
      now = Clock::now();
    }
    return;
  }
  if (t == detail::kForever) {
    for (;;)
      detail::park(&g->parker, detail::WaitReason::sleep);
  }
  while (now < t) {
    if (!detail::park_until(&g->parker, t, detail::WaitReason::sleep, now)) return;
    now = Clock::now();
  }
}

}  // namespace

std::error_code configure(const RuntimeOptions& options) {
  if (options.procs < 0 || options.max_threads < 0 ||
      (options.stack_size != 0 && !valid_stack_size(options.stack_size))) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (!detail::record_options(options)) {
    return std::make_error_code(std::errc::operation_not_permitted);
  }
  return {};
}

namespace detail {
void spend_coop_budget(CoopYield how) noexcept {
  G* g = current_g();
  if (g != nullptr && --g->coop == 0) {
    // switch_out refills the budget
    switch_out(current_m(), g,
               how == CoopYield::global ? AfterSwitch::yield_global : AfterSwitch::yield);
  }
}

void spawn(const GoOptions& options, Task&& task, const std::source_location& where) {
  if (!task) throw std::invalid_argument("gopool::go: the function is empty");
  if (options.stack_size != 0 && !valid_stack_size(options.stack_size)) {
    throw std::invalid_argument("gopool::go: stack size " + std::to_string(options.stack_size) +
                                " is outside [16 KiB, 1 GiB]");
  }
  spawn_goroutine(options.stack_size, std::move(task), where);
}
}  // namespace detail

void yield() {
  detail::M* m = detail::current_m();
  if (m != nullptr && m->curg != nullptr) {
    detail::switch_out(m, m->curg, detail::AfterSwitch::yield);
  } else {
    std::this_thread::yield();
  }
}

void sleep_until(Clock::time_point t) {
  sleep_until_from(t, Clock::now());
}

void sleep_for(Clock::duration d) {
  if (d <= Clock::duration::zero()) return;
  const Clock::time_point now = Clock::now();
  sleep_until_from(detail::add_saturating(now, d), now);
}

bool in_goroutine() noexcept {
  return detail::current_g() != nullptr;
}

std::int64_t num_goroutines() noexcept {
  return detail::live_goroutines();
}

int procs() {
  return detail::sched().nprocs.load(std::memory_order_acquire);
}

int set_procs(int n) {
  return detail::set_procs_impl(n);
}

void lock_os_thread() {
  detail::G* g = detail::current_g();
  if (g == nullptr) return;
  if (g->lock_count++ == 0) {
    detail::M* m = detail::current_m();
    g->locked_m = m;
    m->locked_g = g;
  }
}

void unlock_os_thread() {
  detail::G* g = detail::current_g();
  if (g == nullptr || g->lock_count == 0) return;
  if (--g->lock_count == 0) {
    g->locked_m->locked_g = nullptr;
    g->locked_m = nullptr;
  }
}

namespace this_goroutine {
std::uint64_t id() noexcept {
  detail::G* g = detail::current_g();
  return g != nullptr ? g->id.load(std::memory_order_relaxed) : 0;
}
}  // namespace this_goroutine

}  // namespace gopool
