// The "gopool" error category: messages for gopool::errc.
#include "gopool/errors.hpp"

#include <string>

namespace gopool {
namespace {

class PoolCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gopool"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::pool_closed:
        return "this pool has been closed";
      case errc::pool_overload:
        return "too many callers blocked on submit, or the pool is nonblocking and full";
      case errc::timeout:
        return "operation timed out";
      case errc::invalid_expiry:
        return "invalid expiry for pool: must not be negative";
      case errc::invalid_pre_alloc_size:
        return "cannot pre-allocate workers for an unbounded pool (capacity <= 0)";
      case errc::lack_pool_func:
        return "must provide a function for the pool";
      case errc::invalid_pool_index:
        return "invalid pool index";
      case errc::invalid_load_balancing_strategy:
        return "invalid load-balancing strategy";
      case errc::invalid_multi_pool_size:
        return "invalid size for a multi-pool: must be positive";
      case errc::invalid_capacity:
        return "invalid pool capacity: must be positive";
      case errc::capacity_not_tunable:
        return "the capacity of an unbounded or pre-allocated pool cannot be tuned";
      case errc::invalid_max_blocking_tasks:
        return "invalid max_blocking_tasks: must not be negative";
      case errc::invalid_stack_size:
        return "invalid worker stack size: must be 0 or within [16 KiB, 1 GiB]";
      case errc::null_task:
        return "the task is empty (a null function)";
      case errc::group_active:
        return "the task group still has active tasks";
      case errc::invalid_group_limit:
        return "invalid task group limit: must be positive, or negative for no limit";
    }
    return "unknown gopool error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& pool_category() noexcept {
  static const PoolCategory category;
  return category;
}

}  // namespace gopool
