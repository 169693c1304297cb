#!/usr/bin/env bash
# The pool workloads of issue 7 side by side on this machine, in one run: gopool (gopool_bench),
# the usual C++ thread pool (BM_ThreadPool*, in the same gopool_bench run) and Go with a channel
# semaphore (benchmarks/go/pool), plus oneTBB (BM_Tbb*) when gopool_bench was built where
# libtbb-dev is installed. The programs alternate, one run each per round, so a change in
# the machine's load hits all of them; prints each round, the medians and the ratios.
#
#   benchmarks/pool_compare.sh [--bench path/to/gopool_bench] [--rounds 3]
#
# gopool_bench is looked for in build/test-normal, build/release, build-main and build when not
# given (build it with: cmake --build <dir> --target gopool_bench). Needs go (golang-go).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bench=
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --bench) bench=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "pool_compare: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$bench" ]; then
  for d in build/test-normal build/release build-main build; do
    if [ -x "$root/$d/benchmarks/gopool_bench" ]; then bench="$root/$d/benchmarks/gopool_bench"; break; fi
  done
fi
[ -n "$bench" ] && [ -x "$bench" ] || { echo "pool_compare: gopool_bench not found (--bench)" >&2; exit 2; }
command -v go >/dev/null || { echo "pool_compare: go is not installed (golang-go)" >&2; exit 2; }
case "$rounds" in ''|*[!0-9]*|0) echo "pool_compare: --rounds needs a positive integer" >&2; exit 2 ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here/go/pool" && GOFLAGS=-mod=mod go build -o "$tmp/pool_go" .)

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# field NAME KEY: the value of counter KEY (or "ms" for the time column) on benchmark NAME's line.
field() {
  awk -v name="$1" -v key="$2" '
    $1 ~ "^"name"(/|$)" {
      if (key == "ms") { print ($3 == "ms" ? $2 : ($3 == "ns" ? $2 / 1e6 : $2 * 1000)); exit }
      for (i = 1; i <= NF; i++) if (index($i, key"=") == 1) {
        v = substr($i, length(key) + 2); m = 1
        if (v ~ /M\/s$/) m = 1e6; else if (v ~ /k\/s$/) m = 1e3
        sub(/[kM]?\/s$/, "", v); print v * m; exit
      }
    }'
}
# gofield PATTERN COLUMN: a number from the Go program's line matching PATTERN.
gofield() { awk -v pat="$1" -v col="$2" 'index($0, pat) { print $col; exit }'; }

keys="sleep_ms sleep_rss sleep1ms_ms post submit tp_post tp_submit go_sleep_ms go_sleep_rss go_sleep1ms_ms go_post go_submit tbb_enqueue tbb_group"
for k in $keys; do : >"$tmp/$k"; done

echo "pool workloads: gopool ($bench) vs the usual C++ thread pool vs Go, $rounds rounds"
for r in $(seq "$rounds"); do
  "$bench" --benchmark_filter='BM_PoolSleep|BM_PoolPost/|BM_PoolSubmit|BM_ThreadPool|BM_Tbb' >"$tmp/g.out" 2>/dev/null
  "$tmp/pool_go" -reps 1 >"$tmp/o.out"
  field BM_PoolSleep ms <"$tmp/g.out" >>"$tmp/sleep_ms"
  field BM_PoolSleep peak_rss_MiB <"$tmp/g.out" >>"$tmp/sleep_rss"
  field BM_PoolSleep1ms ms <"$tmp/g.out" >>"$tmp/sleep1ms_ms"
  field BM_PoolPost items_per_second <"$tmp/g.out" >>"$tmp/post"
  field BM_PoolSubmit items_per_second <"$tmp/g.out" >>"$tmp/submit"
  field BM_ThreadPoolPost items_per_second <"$tmp/g.out" >>"$tmp/tp_post"
  field BM_ThreadPoolSubmit items_per_second <"$tmp/g.out" >>"$tmp/tp_submit"
  field BM_TbbArenaEnqueue items_per_second <"$tmp/g.out" >>"$tmp/tbb_enqueue"  # when built
  field BM_TbbTaskGroupRun items_per_second <"$tmp/g.out" >>"$tmp/tbb_group"
  gofield "semaphore: 1000000 x sleep" 8 <"$tmp/o.out" >>"$tmp/go_sleep_ms"
  gofield "semaphore: 1000000 x sleep" 12 <"$tmp/o.out" >>"$tmp/go_sleep_rss"
  gofield "10000 x sleep 1ms" 8 <"$tmp/o.out" >>"$tmp/go_sleep1ms_ms"
  awk 'index($0, "-> post equivalent") { print 1e9 / $4; exit }' <"$tmp/o.out" >>"$tmp/go_post"
  awk 'index($0, "-> submit equivalent") { print 1e9 / $4; exit }' <"$tmp/o.out" >>"$tmp/go_submit"
  printf 'round %d: sleep %s ms (go %s), post %.2f M/s (thread pool %.2f, go %.2f), submit %.2f M/s (thread pool %.2f, go %.2f)\n' \
    "$r" "$(tail -1 "$tmp/sleep_ms")" "$(tail -1 "$tmp/go_sleep_ms")" \
    "$(awk '{v=$1} END {print v/1e6}' "$tmp/post")" "$(awk '{v=$1} END {print v/1e6}' "$tmp/tp_post")" \
    "$(awk '{v=$1} END {print v/1e6}' "$tmp/go_post")" "$(awk '{v=$1} END {print v/1e6}' "$tmp/submit")" \
    "$(awk '{v=$1} END {print v/1e6}' "$tmp/tp_submit")" "$(awk '{v=$1} END {print v/1e6}' "$tmp/go_submit")"
done

for k in $keys; do eval "m_$k=\$(median <\"\$tmp/\$k\")"; done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mps() { awk -v v="$1" 'BEGIN { printf "%.2f M/s", v / 1e6 }'; }
echo "medians:"
printf '  1M x 10 ms, cap 50000:  gopool %s ms, %s MiB   go %s ms, %s MiB   go/gopool time %sx, gopool/go RSS %sx\n' \
  "$m_sleep_ms" "$m_sleep_rss" "$m_go_sleep_ms" "$m_go_sleep_rss" \
  "$(ratio "$m_go_sleep_ms" "$m_sleep_ms")" "$(ratio "$m_sleep_rss" "$m_go_sleep_rss")"
printf '  10k x 1 ms, cap 10000:  gopool %s ms   go %s ms   go/gopool %sx\n' \
  "$m_sleep1ms_ms" "$m_go_sleep1ms_ms" "$(ratio "$m_go_sleep1ms_ms" "$m_sleep1ms_ms")"
printf '  post, tiny tasks:       gopool %s   thread pool %s   go %s   gopool/thread pool %sx, gopool/go %sx\n' \
  "$(mps "$m_post")" "$(mps "$m_tp_post")" "$(mps "$m_go_post")" \
  "$(ratio "$m_post" "$m_tp_post")" "$(ratio "$m_post" "$m_go_post")"
printf '  submit + get:           gopool %s   thread pool %s   go %s   gopool/thread pool %sx, gopool/go %sx\n' \
  "$(mps "$m_submit")" "$(mps "$m_tp_submit")" "$(mps "$m_go_submit")" \
  "$(ratio "$m_submit" "$m_tp_submit")" "$(ratio "$m_submit" "$m_go_submit")"
if [ -s "$tmp/tbb_enqueue" ]; then
  printf '  post vs oneTBB:         task_arena::enqueue %s (gopool/tbb %sx); task_group::run from inside %s\n' \
    "$(mps "$m_tbb_enqueue")" "$(ratio "$m_post" "$m_tbb_enqueue")" "$(mps "$m_tbb_group")"
fi
