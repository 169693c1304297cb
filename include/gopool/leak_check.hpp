// LeakCheck: goroutine leak detection for tests, as goleak is for Go. A goroutine that is still
// alive when the code that started it is done (a sender nobody receives from, a generator
// abandoned after `break`, a ticker loop nobody stops) is a leak; this finds it and says where
// it was created.
//
//   TEST_CASE("handler leaks nothing") {
//     gopool::testing::LeakCheck leaks;   // remembers the goroutines alive now
//     run_handler();
//   }                                     // throws LeakError if run_handler left some behind
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "gopool/debug.hpp"
#include "gopool/export.hpp"

namespace gopool::testing {

// LeakCheckOptions: what LeakCheck waits for and what it does not count as a leak.
struct GOPOOL_API LeakCheckOptions {
  // How long the check waits for goroutines created in the scope to finish before it calls
  // them leaked (they may just be on their way out). Negative: the constructor throws
  // std::invalid_argument.
  std::chrono::nanoseconds grace = std::chrono::seconds(1);

  // Goroutines waiting for one of these reasons are not leaks. By default, pool workers idle
  // in their pool (pools keep workers until `expiry`, as goleak ignores known background
  // goroutines).
  std::vector<debug::WaitReason> ignore_wait_reasons = {debug::WaitReason::pool_idle};

  // Goroutines carrying one of these labels (e.g. a pool's name) are not leaks.
  std::vector<std::string> ignore_labels{};

  // Goroutines whose creation site's function name or file name contains one of these strings
  // are not leaks (goleak's IgnoreTopFunction, by where they were made).
  std::vector<std::string> ignore_created_in{};
};

// LeakError: thrown by LeakCheck when goroutines created in its scope outlived it. what() is a
// message followed by the dump of every leaked goroutine (id, state, wait reason, time waiting,
// label and creation site).
class GOPOOL_API LeakError : public std::runtime_error {
 public:
  // LeakError: the message for `leaked`. Throws std::bad_alloc.
  explicit LeakError(std::vector<debug::GoroutineRecord> leaked);

  // leaked: the goroutines that were found alive, ordered by id.
  const std::vector<debug::GoroutineRecord>& leaked() const noexcept { return leaked_; }

 private:
  std::vector<debug::GoroutineRecord> leaked_;
};

// LeakCheck: an RAII guard. Construction records the goroutines alive then; they are never
// counted as leaks. check() (or the destructor) waits up to the grace period for every other
// goroutine - those created in the scope - to finish, ignoring those the options exclude, and
// throws LeakError naming the ones that remain. Usable from goroutines and foreign threads.
// Neither copyable nor movable.
class GOPOOL_API LeakCheck {
 public:
  // LeakCheck: snapshots the live goroutines. Never blocks. Throws std::invalid_argument for a
  // negative grace, std::bad_alloc.
  explicit LeakCheck(LeakCheckOptions options = {});

  // ~LeakCheck: check(), unless check() or survivors() already ran. Throws LeakError out of the
  // destructor (it is noexcept(false)): so a LeakCheck must not be a member of a type whose
  // destructor is noexcept, nor live in a container. If an exception is already unwinding the
  // scope, it writes the report to stderr instead of throwing (a second exception would end
  // the process).
  ~LeakCheck() noexcept(false);

  LeakCheck(const LeakCheck&) = delete;
  LeakCheck& operator=(const LeakCheck&) = delete;

  // survivors: waits until no goroutine created since construction is alive (ignoring the
  // excluded ones) or the grace period has passed (a goroutine parks, a thread sleeps, polling
  // about every millisecond), and returns those still alive, ordered by id. Empty means no
  // leak. Throws std::bad_alloc.
  std::vector<debug::GoroutineRecord> survivors();

  // check: survivors(), throwing LeakError if there are any.
  void check();

 private:
  bool counts(const debug::GoroutineRecord& g) const;

  LeakCheckOptions options_;
  std::vector<std::uint64_t> before_;  // ids alive at construction, sorted
  int uncaught_at_start_ = 0;
  bool checked_ = false;
};

}  // namespace gopool::testing
