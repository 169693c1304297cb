#!/usr/bin/env bash
# ab.sh OLD NEW [ROUNDS] [FILTER]: compares two gopool_bench binaries (say, a worktree of the
# commit before a change and the change itself, both built in Release) on this machine in one
# run. Each round runs OLD, then NEW, on the benchmarks FILTER matches (a --benchmark_filter
# regex); then it prints, per benchmark, the median and min..max of each side over the rounds
# and new/old (items per second where the benchmark reports them, else real time in ns).
# Example:
#   benchmarks/ab.sh ../before/build/r/benchmarks/gopool_bench build/r/benchmarks/gopool_bench \
#     5 'BM_Yield/|BM_ChanPingPong/|BM_PoolPost/|BM_PoolSubmit/|BM_PoolSleep/'
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,9p' "$0" | cut -c3-
  exit 2
fi
old=$1
new=$2
rounds=${3:-5}
filter=${4:-.}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
  "$old" --benchmark_filter="$filter" --benchmark_format=json 2>/dev/null >"$out/old.$r.json"
  "$new" --benchmark_filter="$filter" --benchmark_format=json 2>/dev/null >"$out/new.$r.json"
done
python3 - "$out" "$rounds" <<'PY'
import collections, json, statistics, sys

folder, rounds = sys.argv[1], int(sys.argv[2])
sides = {}
for side in ("old", "new"):
    values = collections.defaultdict(list)
    for r in range(1, rounds + 1):
        with open(f"{folder}/{side}.{r}.json") as f:
            for b in json.load(f)["benchmarks"]:
                values[b["name"]].append(b.get("items_per_second", b["real_time"]))
    sides[side] = values
for name, old in sides["old"].items():
    new = sides["new"].get(name)
    if not new:
        continue
    mo, mn = statistics.median(old), statistics.median(new)
    print(f"{name:50s} old {mo:10.4g} [{min(old):.4g}..{max(old):.4g}]"
          f"  new {mn:10.4g} [{min(new):.4g}..{max(new):.4g}]  new/old {mn / mo:.3f}")
PY
