// P: a logical processor. An M must hold a P to run goroutines; there are `procs` of them.
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/run_queue.hpp"
#include "runtime/timer_heap.hpp"

namespace gopool::detail {

struct G;
struct M;

// running: held by an M; blocking: its M is inside blocking() and sysmon may retake it.
enum class PStatus : std::uint8_t { idle, running, blocking, dead };

// A single-writer counter: only the P's owner adds, anyone reads.
struct Counter {
  std::atomic<std::int64_t> value{0};
  void add(std::int64_t n) noexcept {
    value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::int64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

struct alignas(64) P {
  explicit P(int index) : id(index) {}

  const int id;
  std::atomic<PStatus> status{PStatus::idle};
  std::atomic<bool> retiring{false};  // beyond nprocs: leave it at the next scheduling point
  RunQueue runq;
  std::atomic<G*> runnext{nullptr};
  std::atomic<std::uint32_t> schedtick{0};  // scheduling rounds; written by the owner only
  std::atomic<bool> in_solo{false};         // the owner is inside a solo section (scheduler.cpp)
  std::atomic<M*> m{nullptr};               // the M holding this P
  std::atomic<std::int64_t> blocking_since{0};  // when its M entered blocking()
  std::atomic<P*> hog_spare{nullptr};           // spare P running this P's work while it is hogged
  bool spare = false;                           // a spare P, not one of the procs
  std::uint32_t sysmon_tick = 0;                // sysmon's view: schedtick last seen ...
  std::int64_t sysmon_when = 0;
  std::int64_t sysmon_cpu = -1;  // ... and its M's CPU time once it stopped moving // ... and when
  P* link = nullptr;             // idle list

  G* free_head = nullptr;  // dead goroutines kept for reuse
  int free_count = 0;

  std::uint64_t goid_next = 0;  // ids handed out in batches, as Go's goidcache
  std::uint64_t goid_end = 0;

  TimerHeap timers;

  // Statistics, written by the owner only.
  Counter spawned;
  Counter exited;
  Counter recycled;
  Counter switches;
  Counter steals;
};

}  // namespace gopool::detail
