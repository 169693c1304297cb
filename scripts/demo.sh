#!/usr/bin/env bash
# Installs what is missing, builds gopool (Release) and runs the main demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DGOPOOL_BUILD_TESTS=OFF -DGOPOOL_BUILD_BENCHMARKS=OFF
cmake --build build/release --target ants_demo -j "$(nproc)"
build/release/examples/ants_demo "$@"
