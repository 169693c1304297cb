#!/usr/bin/env bash
# Drives examples/http_server with wrk and, side by side, the Go net/http server of
# benchmarks/go/http (same routes, handlers behind a semaphore of the same capacity). Both
# servers run at once on 127.0.0.1 with free ports; for each path the two are loaded in turn,
# one wrk run each per round, and the medians of requests/s and p99 latency are printed with
# the gopool/Go ratio. Non-2xx answers (503 when the capacity is reached) are reported too.
#
#   benchmarks/http_load.sh [--server path/to/http_server] [--duration 10s] [--conns 100]
#                           [--threads 2] [--rounds 3] [--capacity 1000] [--procs 0]
#                           [--paths "/work?sleep_ms=1 /"] [--no-go]
#
# http_server is looked for in build/release/examples, build-net/examples and build/examples
# when not given (build it with: cmake --build <dir> --target http_server).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
server=
duration=10s
conns=100
threads=2
rounds=3
capacity=1000
procs=0
paths="/work?sleep_ms=1 /"
with_go=1
while [ $# -gt 0 ]; do
  case "$1" in
    --server) server=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --capacity) capacity=$2; shift 2 ;;
    --procs) procs=$2; shift 2 ;;
    --paths) paths=$2; shift 2 ;;
    --no-go) with_go=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "http_load: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$server" ]; then
  for d in build/release build-net build; do
    if [ -x "$root/$d/examples/http_server" ]; then server="$root/$d/examples/http_server"; break; fi
  done
fi
[ -n "$server" ] && [ -x "$server" ] || { echo "http_load: http_server not found (--server)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "http_load: wrk is not installed" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME COMMAND...: starts a server printing "listening on 127.0.0.1:PORT"; sets $port.
start() {
  local name=$1
  shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!)
  port=
  for _ in $(seq 300); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/$name.out")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "http_load: $name did not start" >&2
  cat "$tmp/$name.out" "$tmp/$name.err" >&2
  exit 1
}

start gopool "$server" --port 0 --capacity "$capacity" --procs "$procs"
gopool_port=$port
names=(gopool)
ports=($gopool_port)
if [ "$with_go" = 1 ]; then
  command -v go >/dev/null || { echo "http_load: go is not installed (or pass --no-go)" >&2; exit 2; }
  (cd "$here/go/http" && GOFLAGS=-mod=mod go build -o "$tmp/http_go" .)
  go_procs=$procs
  [ "$go_procs" = 0 ] && go_procs=$(nproc)
  start go "$tmp/http_go" -port 0 -capacity "$capacity" -procs "$go_procs"
  names+=(go)
  ports+=($port)
fi

to_ms() {  # wrk's "850.00us", "1.20ms", "1.05s" to milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else print v }'
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "wrk -t$threads -c$conns -d$duration, $rounds rounds, capacity $capacity, procs $procs (0 = all)"
for i in "${!names[@]}"; do  # warm-up
  wrk -t"$threads" -c"$conns" -d1s "http://127.0.0.1:${ports[$i]}/" >/dev/null
done
for path in $paths; do
  key=$(echo "$path" | tr -c 'a-zA-Z0-9' '_')
  for r in $(seq "$rounds"); do
    line="round $r $path:"
    for i in "${!names[@]}"; do
      n=${names[$i]}
      wrk -t"$threads" -c"$conns" -d"$duration" --latency "http://127.0.0.1:${ports[$i]}$path" >"$tmp/wrk"
      rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk")
      p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$tmp/wrk")")
      non2xx=$(awk '/Non-2xx/ {print $NF}' "$tmp/wrk")
      errors=$(awk '/Socket errors/ {print}' "$tmp/wrk")
      echo "$rps" >>"$tmp/$n.$key.rps"
      echo "$p99" >>"$tmp/$n.$key.p99"
      line="$line  $n ${rps} req/s p99 ${p99} ms${non2xx:+ non-2xx $non2xx}${errors:+ ($errors)}"
    done
    if [ "$with_go" = 1 ]; then
      awk -v a="$(tail -1 "$tmp/gopool.$key.rps")" -v b="$(tail -1 "$tmp/go.$key.rps")" \
        'BEGIN {printf "%.2f\n", a / b}' >>"$tmp/ratio.$key"
      line="$line  gopool/go $(tail -1 "$tmp/ratio.$key")x"
    fi
    echo "$line"
  done
done
echo
printf '%-18s %-8s %14s %12s\n' path server "req/s" "p99 ms"
for path in $paths; do
  key=$(echo "$path" | tr -c 'a-zA-Z0-9' '_')
  for n in "${names[@]}"; do
    printf '%-18s %-8s %14s %12s\n' "$path" "$n" "$(median <"$tmp/$n.$key.rps")" "$(median <"$tmp/$n.$key.p99")"
  done
  if [ "$with_go" = 1 ]; then
    a=$(median <"$tmp/gopool.$key.rps")
    b=$(median <"$tmp/go.$key.rps")
    echo "$path: gopool/go requests/s = $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')x" \
      "(median of the per-round ratios $(median <"$tmp/ratio.$key")x)"
  fi
done
