// in_goroutine: runs f in a goroutine and waits for it, for tests whose thread is a foreign one
// but whose code must run on the runtime (blocking I/O, this_goroutine, ...).
#pragma once

#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

namespace gopool::test {

template <class F>
void in_goroutine(F&& f) {
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    f();
    wg.done();
  });
  wg.wait();
}

}  // namespace gopool::test
