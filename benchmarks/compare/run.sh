#!/usr/bin/env bash
# gopool beside its peers (issue 18), in one command: installs the peers from Debian when they
# are missing (benchmark dependencies only: libtbb-dev libasio-dev libthread-pool-dev
# libboost-fiber-dev libboost-context-dev golang-go wrk python3-matplotlib), builds gopool in
# Release with the adapters of the peers found (GOPOOL_BUILD_COMPARE) plus gopool_bench,
# echo_bench and http_server, then runs benchmarks/compare/compare.py: every workload, one
# process per point, the programs alternating within each round, results as JSON, CSV and a
# plot in benchmarks/compare/results/.
#
#   benchmarks/compare/run.sh [--no-install] [--no-build] [--build-dir DIR] [compare.py options]
#   benchmarks/compare/run.sh --quick             # a reduced set, one round, under 2 minutes
#   benchmarks/compare/run.sh --rounds 5          # the full set, 5 rounds
#   benchmarks/compare/run.sh --only sieve,yield  # some workloads
#
# --no-install  do not call apt-get (a peer that is missing is then reported and skipped)
# --no-build    use the programs already in the build directory
# --build-dir   the CMake build directory (default: build/compare in the repository)
# Time it on a quiet machine: other processes only ever slow a point down.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build/compare"
install=1
do_build=1
pass=()
# The command as typed, for the results' metadata and the plot's caption.
export GOPOOL_COMPARE_COMMAND="benchmarks/compare/run.sh $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) install=0; shift ;;
    --no-build) do_build=0; shift ;;
    --build-dir)
      [ $# -ge 2 ] || { echo "run.sh: --build-dir needs a directory" >&2; exit 2; }
      build=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    -h|--help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      echo
      py=/usr/bin/python3; [ -x "$py" ] || py=python3
      exec "$py" "$here/compare.py" --help ;;
    *) pass+=("$1"); shift ;;
  esac
done

# Debian's python3 has python3-matplotlib; a python3 earlier on PATH (pyenv, venv) may not.
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)

if [ "$install" = 1 ]; then
  want="libtbb-dev libasio-dev libthread-pool-dev libboost-fiber-dev libboost-context-dev golang-go wrk python3-matplotlib"
  missing=()
  for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; }; then
      echo "run.sh: apt-get failed; the peers that are missing will be skipped" >&2
    fi
  fi
fi

if [ "$do_build" = 1 ]; then
  gen=()
  [ -f "$build/CMakeCache.txt" ] || { command -v ninja >/dev/null && gen=(-G Ninja); }
  cmake -S "$root" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DGOPOOL_BUILD_TESTS=OFF \
    -DGOPOOL_BUILD_BENCHMARKS=ON -DGOPOOL_BUILD_EXAMPLES=ON -DGOPOOL_BUILD_COMPARE=ON >/dev/null
  # Keep going past a program that fails to build: the driver reports it missing and skips it.
  keep=(-- -k)
  grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$build/CMakeCache.txt" && keep=(-- -k 0)
  if ! cmake --build "$build" --target compare_adapters gopool_bench echo_bench http_server \
      -j"$(nproc)" "${keep[@]}"; then
    echo "run.sh: some programs did not build (see above); their points are skipped" >&2
  fi
fi

exec "$py" "$here/compare.py" --build-dir "$build" "${pass[@]}"
