// Must not compile: an on_reject handler of the wrong signature. The test expects the
// compiler's message to name the expected signature (see tests/pool.cmake).
#include <gopool/pool.hpp>

int main() {
  gopool::PoolOptions options;
  options.on_reject = [](int) {};
  return 0;
}
