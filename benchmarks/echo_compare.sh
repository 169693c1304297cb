#!/usr/bin/env bash
# TCP echo ping-pong over loopback, gopool (echo_bench) vs Go (benchmarks/go/echo), on this
# machine in one run: the two programs alternate, one run each per round, so a change in the
# machine's load hits both; prints each run, the medians and the ratio.
#
#   benchmarks/echo_compare.sh [--bench path/to/echo_bench] [--rounds 5] [--conns 100]
#                              [--size 64] [--duration-ms 5000] [--procs 0]
#
# echo_bench is looked for in build/release/benchmarks, build-net/benchmarks and build/benchmarks
# when not given (build it with: cmake --build <dir> --target echo_bench).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bench=
rounds=5
conns=100
size=64
duration_ms=5000
procs=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bench) bench=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --duration-ms) duration_ms=$2; shift 2 ;;
    --procs) procs=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "echo_compare: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$bench" ]; then
  for d in build/release build-net build; do
    if [ -x "$root/$d/benchmarks/echo_bench" ]; then bench="$root/$d/benchmarks/echo_bench"; break; fi
  done
fi
[ -n "$bench" ] && [ -x "$bench" ] || { echo "echo_compare: echo_bench not found (--bench)" >&2; exit 2; }
command -v go >/dev/null || { echo "echo_compare: go is not installed (golang-go)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here/go/echo" && GOFLAGS=-mod=mod go build -o "$tmp/echo_go" .)
go_procs=$procs
[ "$go_procs" = 0 ] && go_procs=$(nproc)

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
metric() { sed -n 's/.*msgs_per_sec=\([0-9.]*\).*/\1/p'; }

echo "echo ping-pong: $conns connections, $size-byte messages, ${duration_ms} ms per run, $rounds rounds"
: >"$tmp/gopool"
: >"$tmp/go"
for r in $(seq "$rounds"); do
  g=$("$bench" --conns "$conns" --size "$size" --duration-ms "$duration_ms" --reps 1 --procs "$procs" | metric)
  o=$("$tmp/echo_go" -conns "$conns" -size "$size" -duration "${duration_ms}ms" -reps 1 -procs "$go_procs" | metric)
  ratio=$(awk -v a="$g" -v b="$o" 'BEGIN {printf "%.2f", a / b}')
  echo "round $r: gopool $g msgs/s, go $o msgs/s, gopool/go ${ratio}x"
  echo "$g" >>"$tmp/gopool"
  echo "$o" >>"$tmp/go"
  echo "$ratio" >>"$tmp/ratio"
done
mg=$(median <"$tmp/gopool")
mo=$(median <"$tmp/go")
echo "median: gopool $mg msgs/s, go $mo msgs/s, gopool/go $(awk -v a="$mg" -v b="$mo" 'BEGIN {printf "%.2f", a / b}')x" \
  "(median of the per-round ratios $(median <"$tmp/ratio")x)"
