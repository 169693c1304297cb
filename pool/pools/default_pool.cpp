// default_pool(): the process-wide pool (ants' package-level defaultAntsPool).
#include "gopool/pool.hpp"

namespace gopool {

Pool& default_pool() {
  // Deliberately leaked: destroying it at exit would wait for tasks while the runtime that runs
  // them may already be torn down.
  static Pool* const pool = new Pool(kDefaultPoolCapacity);
  return *pool;
}

}  // namespace gopool
