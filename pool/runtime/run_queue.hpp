// RunQueue: a P's local run queue, a 256-slot ring with one producer (the P's owner) and many
// consumers (the owner and thieves), as in Go's runq.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

namespace gopool::detail {

struct G;

class RunQueue {
 public:
  static constexpr std::uint32_t kSize = 256;

  // Owner only: appends g. Returns false when full (the caller moves half to the global queue).
  bool push(G* g) noexcept {
    const std::uint32_t h = head_.load(std::memory_order_acquire);
    const std::uint32_t t = tail_.load(std::memory_order_relaxed);
    if (t - h >= kSize) return false;
    slots_[t % kSize].store(g, std::memory_order_relaxed);
    tail_.store(t + 1, std::memory_order_release);
    return true;
  }

  // Owner only: takes up to n from the head into out (to move them elsewhere). Returns count.
  std::uint32_t grab(G** out, std::uint32_t n) noexcept {
    for (;;) {
      std::uint32_t h = head_.load(std::memory_order_acquire);
      const std::uint32_t t = tail_.load(std::memory_order_acquire);
      std::uint32_t count = t - h;
      if (count > n) count = n;
      if (count == 0) return 0;
      for (std::uint32_t i = 0; i < count; ++i) {
        out[i] = slots_[(h + i) % kSize].load(std::memory_order_relaxed);
      }
      if (head_.compare_exchange_strong(h, h + count, std::memory_order_acq_rel)) return count;
    }
  }

  // Owner only, and only while no thief can reach this queue (the scheduler's solo mode): pop()
  // with a plain store instead of the compare-and-swap that races thieves.
  G* pop_unshared() noexcept {
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    if (tail_.load(std::memory_order_relaxed) == h) return nullptr;
    G* g = slots_[h % kSize].load(std::memory_order_relaxed);
    head_.store(h + 1, std::memory_order_release);
    return g;
  }

  // Any thread: takes one from the head, or nullptr.
  G* pop() noexcept {
    for (;;) {
      std::uint32_t h = head_.load(std::memory_order_acquire);
      const std::uint32_t t = tail_.load(std::memory_order_acquire);
      if (t == h) return nullptr;
      G* g = slots_[h % kSize].load(std::memory_order_relaxed);
      if (head_.compare_exchange_strong(h, h + 1, std::memory_order_acq_rel)) return g;
    }
  }

  // Owner only: the goroutine pop() would return now, without taking it (a thief may take it
  // meanwhile), or nullptr. A hint for prefetching: the caller must not dereference it.
  const G* peek() const noexcept {
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    if (tail_.load(std::memory_order_relaxed) == h) return nullptr;
    return slots_[h % kSize].load(std::memory_order_relaxed);
  }

  // Thief: moves half of this queue into `into`, the thief's own queue, as far as `into` has
  // room (the scheduler steals into an empty queue; chaos mode steals into a busy one too).
  // Returns one stolen G to run, or nullptr. Only the stolen G that is returned skips `into`.
  G* steal_half(RunQueue& into) noexcept {
    // Only the thief pushes to `into` and other thieves only shrink it, so this room is a floor.
    const std::uint32_t into_t = into.tail_.load(std::memory_order_relaxed);
    const std::uint32_t room = kSize - (into_t - into.head_.load(std::memory_order_acquire));
    for (;;) {
      std::uint32_t h = head_.load(std::memory_order_acquire);
      const std::uint32_t t = tail_.load(std::memory_order_acquire);
      std::uint32_t n = t - h;
      if (n == 0 || n > kSize) {
        if (n == 0) return nullptr;
        continue;  // inconsistent snapshot: retry
      }
      n = std::min(n - n / 2, room + 1);
      // Copy before claiming: once head moves, the owner may overwrite these slots.
      for (std::uint32_t i = 0; i + 1 < n; ++i) {
        G* g = slots_[(h + i) % kSize].load(std::memory_order_relaxed);
        into.slots_[(into_t + i) % kSize].store(g, std::memory_order_relaxed);
      }
      G* last = slots_[(h + n - 1) % kSize].load(std::memory_order_relaxed);
      if (head_.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) {
        if (n > 1) into.tail_.store(into_t + n - 1, std::memory_order_release);
        return last;
      }
    }
  }

  std::uint32_t size() const noexcept {
    const std::uint32_t h = head_.load(std::memory_order_acquire);
    const std::uint32_t t = tail_.load(std::memory_order_acquire);
    return t - h;
  }
  bool empty() const noexcept { return size() == 0; }

 private:
  alignas(64) std::atomic<std::uint32_t> head_{0};
  alignas(64) std::atomic<std::uint32_t> tail_{0};
  std::array<std::atomic<G*>, kSize> slots_{};
};

}  // namespace gopool::detail
