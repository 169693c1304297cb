// kMaxLiveGoroutines: how many goroutines a test may keep alive at once. ThreadSanitizer counts
// each goroutine as a thread and allows 8128 threads (the runtime stops a little earlier, with a
// message that says so), so under TSan a test that would keep more alive starts them in waves
// of at most this many; other builds have no such limit and run such a test unchanged.
#pragma once

namespace gopool::test {

#if defined(GOPOOL_TSAN)
inline constexpr int kMaxLiveGoroutines = 4000;
#else
inline constexpr int kMaxLiveGoroutines = 1 << 30;
#endif

}  // namespace gopool::test
