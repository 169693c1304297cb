#include "gopool/detail/goroutine_info.hpp"

#include <mutex>

#include "runtime/g.hpp"
#include "runtime/scheduler.hpp"

namespace gopool::detail {

std::vector<GoroutineInfo> goroutine_snapshot() {
  std::vector<GoroutineInfo> out;
  Sched* s = sched_if_started();
  if (s == nullptr) return out;
  const std::int64_t now = coarse_now_ns();
  std::lock_guard lock(s->allgs_mu);
  out.reserve(s->allgs.size());
  for (G* g : s->allgs) {
    const GStatus status = g->status.load(std::memory_order_acquire);
    if (status == GStatus::idle || status == GStatus::dead) continue;
    GoroutineInfo info;
    info.id = g->id.load(std::memory_order_relaxed);
    info.created_at = g->where.load(std::memory_order_relaxed);
    if (const char* label = g->label.load(std::memory_order_relaxed)) info.label = label;
    if (status == GStatus::waiting) {
      info.state = GoroutineState::waiting;
      info.wait_reason = g->wait_reason.load(std::memory_order_relaxed);
      info.waiting_ns =
          std::max<std::int64_t>(0, now - g->wait_since.load(std::memory_order_relaxed));
    } else {
      info.state = status == GStatus::running ? GoroutineState::running : GoroutineState::runnable;
    }
    out.push_back(info);
  }
  return out;
}

void set_goroutine_label(const char* label) noexcept {
  G* g = current_g();
  if (g == nullptr) return;
  Sched* s = sched_if_started();  // started: a goroutine runs
  std::lock_guard lock(s->allgs_mu);
  g->label.store(label, std::memory_order_relaxed);
}

void set_goroutine_site(const std::source_location& where) noexcept {
  if (where.line() == 0) return;
  if (G* g = current_g()) g->where.store(where, std::memory_order_relaxed);
}

}  // namespace gopool::detail
