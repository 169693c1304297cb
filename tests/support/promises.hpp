// Promises<T>: n promises and their futures, for tests that complete futures (or release the
// tasks waiting on them) in an order of their choosing.
#pragma once

#include <cstddef>
#include <vector>

#include "gopool/future.hpp"

namespace gopool::test {

template <class T>
struct Promises {
  explicit Promises(int n) {
    for (int i = 0; i < n; ++i) {
      promises.emplace_back();
      futures.push_back(promises.back().get_future());
    }
  }
  std::vector<gopool::Promise<T>> promises;
  std::vector<gopool::Future<T>> futures;
};

}  // namespace gopool::test
