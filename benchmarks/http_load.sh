#!/usr/bin/env bash
# The pool-capped HTTP handler under wrk: examples/http_server against Go's net/http with a
# semaphore of the same capacity (benchmarks/go/http), each server started for its own run,
# the two alternating; requests/s and p99 latency. A shortcut for the comparison program,
# which builds both and prints and writes the results:
#
#   benchmarks/http_load.sh [--rounds 3] [--duration 10] [--conns 100] [--capacity 1000]
#                           [--paths "/work?sleep_ms=1 /"] [other benchmarks/compare/run.sh options]
#
# is benchmarks/compare/run.sh --only http_work,http_hello ...; the paths are "/" (http_hello)
# and "/work?sleep_ms=1" (http_work); --duration is in seconds ("10s" is read as 10).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
only="http_work,http_hello"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --duration)
      [ $# -ge 2 ] || { echo "http_load: --duration needs a value" >&2; exit 2; }
      args+=(--duration "${2%s}"); shift 2 ;;
    --paths)
      [ $# -ge 2 ] || { echo "http_load: --paths needs a value" >&2; exit 2; }
      only=
      for p in $2; do
        case "$p" in
          /) only="${only:+$only,}http_hello" ;;
          "/work?sleep_ms=1") only="${only:+$only,}http_work" ;;
          *) echo "http_load: path $p is not one of the comparison's: / and /work?sleep_ms=1" >&2; exit 2 ;;
        esac
      done
      shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
exec "$here/compare/run.sh" --only "$only" "${args[@]}"
