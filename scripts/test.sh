#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole suite in each build kind: a normal
# build (with -Werror, benchmarks and examples compiled), ASan+UBSan, ASan+UBSan in chaos mode
# (injected spurious, stale, duplicate and delayed wake-ups; odd run-queue placement and
# steals), TSan, clang-16 with a shared libgopool.so, and AArch64 under qemu-user.
# GOPOOL_TEST_BUILDS="normal address" limits the builds.
# clang: everything but the stress tests (tests/stress/, label "stress"), which the gcc kinds run.
# aarch64: a cross build whose tests run under qemu-user; not the stress tests, nor
# install_consumer (it builds a consumer with the host's compiler), nor wait_state_test (its
# 2 x 20 000 thread start-ups take longer than the test's 300 s limit under qemu-user), nor
# mutex_test (its 8 x 20 000 contended locks took from 8 s to over 300 s under qemu-user).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
builds=${GOPOOL_TEST_BUILDS:-"normal address chaos thread clang aarch64"}
scripts/install-deps.sh $builds
status=0
for kind in $builds; do
  ctest_args=()
  case "$kind" in
    normal)  dir=build/test-normal;  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
    address) dir=build/test-address; flags=(-DCMAKE_BUILD_TYPE=Debug -DGOPOOL_SANITIZE=address -DGOPOOL_BUILD_BENCHMARKS=OFF) ;;
    chaos)   dir=build/test-chaos;   flags=(-DCMAKE_BUILD_TYPE=Debug -DGOPOOL_SANITIZE=address -DGOPOOL_CHAOS=ON -DGOPOOL_BUILD_BENCHMARKS=OFF) ;;
    thread)  dir=build/test-thread;  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOPOOL_SANITIZE=thread -DGOPOOL_BUILD_BENCHMARKS=OFF) ;;
    clang)   dir=build/test-clang;   flags=(-DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_SHARED_LIBS=ON -DGOPOOL_BUILD_BENCHMARKS=OFF)
             ctest_args=(-LE stress) ;;
    aarch64) dir=build/test-aarch64; flags=(-DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOPOOL_BUILD_BENCHMARKS=OFF -DGOPOOL_BUILD_EXAMPLES=OFF)
             ctest_args=(-LE stress -E '^(install_consumer|wait_state_test|mutex_test)$') ;;
    *) echo "unknown build kind: $kind" >&2; exit 2 ;;
  esac
  echo "=== $kind build ($dir) ==="
  cmake -S . -B "$dir" -DGOPOOL_WERROR=ON "${flags[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "=== $kind tests ==="
  if ! (cd "$dir" && ctest --output-on-failure --timeout 600 -j "$jobs" "${ctest_args[@]}"); then
    status=1
  fi
done
exit $status
