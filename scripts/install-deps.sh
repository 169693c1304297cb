#!/usr/bin/env bash
# Installs the Debian 12 packages gopool builds and tests with, when any is missing.
# Usage: scripts/install-deps.sh [build kinds...]; the kind aarch64 adds the cross toolchain.
set -euo pipefail
# clang-16: the clang build of scripts/test.sh; pkg-config: the install_consumer test.
pkgs=(build-essential cmake libconcurrentqueue-dev libspdlog-dev doctest-dev libbenchmark-dev curl wrk golang-go
      clang-16 pkg-config)
# The JSON dump (nlohmann), the examples' command lines (CLI11); libdw (found through
# pkg-config) is optional and gives backtraces file and line.
pkgs+=(nlohmann-json3-dev libcli11-dev libdw-dev)
pkgs+=(gdb)  # tools/gdb's test drives it
pkgs+=(python3-prometheus-client)  # the HTTP example's /metrics, read by the reference parser
# aarch64: cross-compiles, and runs the tests under qemu-user with the arm64 libraries.
if [[ " $* " == *" aarch64 "* ]]; then
  pkgs+=(crossbuild-essential-arm64 qemu-user libspdlog-dev:arm64 libfmt-dev:arm64)
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
