#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole suite in each build kind: a normal
# build (with -Werror, benchmarks and examples compiled), ASan+UBSan in chaos mode (spurious and
# stale wake-ups, odd scheduling; each test process prints its seed, replayed with
# GOPOOL_CHAOS_SEED=N), TSan, and clang-16 with a shared libgopool.so.
# GOPOOL_TEST_BUILDS="normal address" limits the builds ("address" is ASan+UBSan without chaos).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
builds=${GOPOOL_TEST_BUILDS:-"normal chaos thread clang"}
status=0
for kind in $builds; do
  case "$kind" in
    normal)  dir=build/test-normal;  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
    address) dir=build/test-address; flags=(-DCMAKE_BUILD_TYPE=Debug -DGOPOOL_SANITIZE=address -DGOPOOL_BUILD_BENCHMARKS=OFF) ;;
    chaos)   dir=build/test-chaos;   flags=(-DCMAKE_BUILD_TYPE=Debug -DGOPOOL_SANITIZE=address -DGOPOOL_CHAOS=ON -DGOPOOL_BUILD_BENCHMARKS=OFF) ;;
    thread)  dir=build/test-thread;  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOPOOL_SANITIZE=thread -DGOPOOL_BUILD_BENCHMARKS=OFF) ;;
    clang)   dir=build/test-clang;   flags=(-DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_SHARED_LIBS=ON -DGOPOOL_BUILD_BENCHMARKS=OFF) ;;
    *) echo "unknown build kind: $kind" >&2; exit 2 ;;
  esac
  echo "=== $kind build ($dir) ==="
  cmake -S . -B "$dir" -DGOPOOL_WERROR=ON "${flags[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "=== $kind tests ==="
  if ! (cd "$dir" && ctest --output-on-failure --timeout 600 -j "$jobs"); then
    status=1
  fi
done
exit $status
