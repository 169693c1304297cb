// scaled: how many rounds a stress test runs in this build. The sanitizers and the chaos mode
// make every switch and wait many times slower, so such builds run the reduced count; the
// normal build runs the full one.
#pragma once

namespace gopool::test {

#if defined(GOPOOL_TSAN) || defined(GOPOOL_ASAN) || defined(GOPOOL_CHAOS)
inline constexpr bool kSlowBuild = true;
#else
inline constexpr bool kSlowBuild = false;
#endif

// scaled: `full` in a normal build, `reduced` under a sanitizer or the chaos mode.
template <class N>
constexpr N scaled(N full, N reduced) noexcept {
  return kSlowBuild ? reduced : full;
}

}  // namespace gopool::test
