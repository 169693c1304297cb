// TimerLane: a FIFO of timers whose deadlines never decrease, part of a P's timers
// (TimerHeap). Most timers of a program are armed with one of a few durations (a pool's tasks
// all sleep 10 ms, a server's reads all time out after 30 s), so each lane's deadlines come in
// order: adding and firing are O(1) and walk the memory in order, where a heap moves log n
// entries and rewrites the index of every timer it moves, each one a cold cache line on a
// sleeping goroutine's stack. A stopped timer leaves a hole that is skipped; holes are squeezed
// out once they are the majority, so a lane never holds more than twice its live timers.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gopool::detail {

class Timer;

// TimerEntry: a timer with its deadline in ns, kept beside it so that ordering never loads the
// timer itself.
struct TimerEntry {
  std::int64_t when;
  Timer* timer;  // null: a hole left by a stopped timer
};

class TimerLane {
 public:
  // empty: no live timer.
  bool empty() const noexcept { return used_ == 0; }
  // live: how many live timers the lane holds.
  std::size_t live() const noexcept { return used_ - holes_; }
  // front: the earliest live entry; the lane must not be empty (holes never lead).
  const TimerEntry& front() const noexcept {
    assert(!empty());
    return slots_[head_];
  }
  // back_when: the latest deadline in the lane; the lane must not be empty.
  std::int64_t back_when() const noexcept {
    assert(!empty());
    return slots_[(head_ + used_ - 1) & mask()].when;
  }

  // peek: the timer k entries behind the front (null for a hole or past the back), for
  // prefetching what firing will touch next.
  Timer* peek(std::size_t k) const noexcept {
    return k < used_ ? slots_[(head_ + k) & mask()].timer : nullptr;
  }

  // push: appends e (e.when >= back_when()) and returns its slot, which stays valid until the
  // lane calls `moved` for it. May allocate (std::bad_alloc, the lane unchanged); moving the
  // timers to a larger ring calls moved(timer, new_slot) for each live one.
  template <class Moved>
  std::uint32_t push(TimerEntry e, Moved&& moved) {
    assert(empty() || e.when >= back_when());
    if (used_ == slots_.size()) grow(moved);
    const std::size_t slot = (head_ + used_) & mask();
    slots_[slot] = e;
    ++used_;
    return static_cast<std::uint32_t>(slot);
  }

  // remove: removes the live entry in `slot` (a slot push or moved gave it).
  template <class Moved>
  void remove(std::uint32_t slot, Moved&& moved) noexcept {
    assert(slots_[slot].timer != nullptr);
    slots_[slot].timer = nullptr;
    ++holes_;
    settle(moved);
  }

  // take_all: appends every live entry to out and empties the lane.
  void take_all(std::vector<TimerEntry>& out) {
    for (std::size_t i = 0; i < used_; ++i) {
      const TimerEntry& e = slots_[(head_ + i) & mask()];
      if (e.timer != nullptr) out.push_back(e);
    }
    head_ = used_ = holes_ = 0;
  }

 private:
  static constexpr std::size_t kMinSlots = 64;   // a ring's first size (a power of two)
  static constexpr std::size_t kSqueezeAt = 32;  // fewer holes than this are never squeezed

  std::size_t mask() const noexcept { return slots_.size() - 1; }

  // settle: drops holes at the front (the front is then live, or the lane empty), and squeezes
  // the holes out when they outnumber the live timers.
  template <class Moved>
  void settle(Moved&& moved) noexcept {
    while (used_ != 0 && slots_[head_].timer == nullptr) {
      head_ = (head_ + 1) & mask();
      --used_;
      --holes_;
    }
    if (used_ == 0) {
      head_ = 0;  // restart at the ring's start: the next timers fill it in address order
    } else if (holes_ >= kSqueezeAt && 2 * holes_ > used_) {
      squeeze(moved);
    }
  }

  // squeeze: moves the live entries together behind the front, in order.
  template <class Moved>
  void squeeze(Moved&& moved) noexcept {
    used_ = compact_into(slots_, head_, moved);
    holes_ = 0;
  }

  // grow: a ring twice the size (holes dropped), live entries from slot 0 on.
  template <class Moved>
  void grow(Moved&& moved) {
    std::vector<TimerEntry> bigger(slots_.empty() ? kMinSlots : 2 * slots_.size());
    used_ = compact_into(bigger, 0, moved);
    slots_.swap(bigger);
    head_ = 0;
    holes_ = 0;
  }

  // compact_into: copies the live entries, in order, to ring `to` (a power-of-two size, which
  // may be slots_ itself) from slot `start` on, telling `moved` of every timer whose slot
  // changes; returns how many there are. In place this only moves entries towards the front.
  template <class Moved>
  std::size_t compact_into(std::vector<TimerEntry>& to, std::size_t start, Moved&& moved) noexcept {
    const bool in_place = &to == &slots_;
    const std::size_t to_mask = to.size() - 1;
    std::size_t out = 0;
    for (std::size_t i = 0; i < used_; ++i) {
      const std::size_t from = (head_ + i) & mask();
      const TimerEntry e = slots_[from];
      if (e.timer == nullptr) continue;
      const std::size_t slot = (start + out) & to_mask;
      if (!in_place || slot != from) {
        to[slot] = e;
        moved(e.timer, static_cast<std::uint32_t>(slot));
      }
      ++out;
    }
    return out;
  }

  std::vector<TimerEntry> slots_;  // a ring; its size is 0 or a power of two
  std::size_t head_ = 0;           // the front's slot
  std::size_t used_ = 0;           // slots in use from head_ on, holes included
  std::size_t holes_ = 0;          // stopped timers' slots among them
};

}  // namespace gopool::detail
