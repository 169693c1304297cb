#include "gopool/detail/goroutine_info.hpp"

#include <atomic>
#include <mutex>

#include "runtime/g.hpp"
#include "runtime/scheduler.hpp"

namespace gopool::detail {
namespace {

// Snapshots reading group names right now (under allgs_mu). set_goroutine_group() stores its
// pointer and then looks here: both sides are sequentially consistent, so either the snapshot
// reads the new pointer, or the setter sees it and waits for allgs_mu before the old string
// may go (Dekker's pattern). A group's task sets and clears its name around every task, which
// must not cost a global lock each time.
std::atomic<int> group_readers{0};

}  // namespace

std::vector<GoroutineInfo> goroutine_snapshot() {
  std::vector<GoroutineInfo> out;
  Sched* s = sched_if_started();
  if (s == nullptr) return out;
  const std::int64_t now = coarse_now_ns();
  std::lock_guard lock(s->allgs_mu);
  group_readers.fetch_add(1, std::memory_order_seq_cst);
  struct Done {
    ~Done() { group_readers.fetch_sub(1, std::memory_order_seq_cst); }
  } done;
  out.reserve(s->allgs.size());
  for (G* g : s->allgs) {
    const GStatus status = g->status.load(std::memory_order_acquire);
    if (status == GStatus::idle || status == GStatus::dead) continue;
    GoroutineInfo info;
    info.id = g->id.load(std::memory_order_relaxed);
    info.created_at = g->where.load(std::memory_order_relaxed);
    if (const char* label = g->label.load(std::memory_order_relaxed)) info.label = label;
    if (const char* group = g->group.load(std::memory_order_seq_cst)) info.group = group;
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

void set_goroutine_group(const char* group) noexcept {
  G* g = current_g();
  if (g == nullptr) return;
  if (g->group.load(std::memory_order_relaxed) == nullptr) {
    // No old name that a snapshot could be copying: publishing the new one is enough.
    g->group.store(group, std::memory_order_release);
    return;
  }
  g->group.store(group, std::memory_order_seq_cst);
  if (group_readers.load(std::memory_order_seq_cst) != 0) {
    // A snapshot may still be copying the previous name: it holds allgs_mu until it is done.
    Sched* s = sched_if_started();  // started: a goroutine runs
    std::lock_guard lock(s->allgs_mu);
  }
}

void set_goroutine_site(const std::source_location& where) noexcept {
  if (where.line() == 0) return;
  if (G* g = current_g()) g->where.store(where, std::memory_order_relaxed);
}

}  // namespace gopool::detail
