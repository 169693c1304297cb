#!/usr/bin/env bash
# Installs the Debian 12 packages gopool builds and tests with, when any is missing.
set -euo pipefail
pkgs=(build-essential cmake libconcurrentqueue-dev libspdlog-dev doctest-dev libbenchmark-dev curl wrk golang-go)
# The JSON dump (nlohmann), the examples' command lines (CLI11); libdw (found through
# pkg-config) is optional and gives backtraces file and line.
pkgs+=(nlohmann-json3-dev libcli11-dev pkg-config libdw-dev)
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
