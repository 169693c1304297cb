#!/usr/bin/env bash
# TCP echo ping-pong over loopback, gopool (echo_bench) against Go (benchmarks/go/echo), the
# two alternating, one process per run. A shortcut for the comparison program, which builds
# both and prints and writes the results:
#
#   benchmarks/echo_compare.sh [--rounds 5] [--conns 100] [--size 64] [--duration-ms 5000]
#                              [other benchmarks/compare/run.sh options]
#
# is benchmarks/compare/run.sh --only echo --rounds 5 ... (--duration-ms becomes --duration).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
args=(--only echo --rounds 5)
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --duration-ms)
      [ $# -ge 2 ] || { echo "echo_compare: --duration-ms needs a value" >&2; exit 2; }
      args+=(--duration "$(awk -v ms="$2" 'BEGIN { print ms / 1000 }')"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
exec "$here/compare/run.sh" "${args[@]}"
