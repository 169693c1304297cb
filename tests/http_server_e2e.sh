#!/usr/bin/env bash
# End-to-end test of examples/http_server: starts it on 127.0.0.1 with a free port and a pool of
# capacity 2, then checks a 200 (curl), keep-alive, 404/405/400 from handlers, malformed heads
# (400, 505), an oversized one (431) and connections of 4096 empty lines (400; issue 15, F7) sent
# over a raw socket, and an overload of parallel slow requests: some get 503 at once, the others
# 200, and every connection gets an answer; /stats (JSON) and /metrics (Prometheus, read with
# python3-prometheus-client's parser) count the refusals. Finally a SIGTERM stops the server
# cleanly. Asserts behaviour only, never timings.
# usage: http_server_e2e.sh path/to/http_server
set -u
server=${1:?usage: http_server_e2e.sh path/to/http_server}
command -v curl >/dev/null || { echo "SKIP: curl is not installed (scripts/install-deps.sh)"; exit 77; }
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
  { echo "FAIL: python3-prometheus-client is not installed (scripts/install-deps.sh)"; exit 1; }

tmp=$(mktemp -d)
"$server" --host 127.0.0.1 --port 0 --capacity 2 >"$tmp/out" 2>"$tmp/err" &
pid=$!
cleanup() {
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

status=0
fail() { echo "FAIL: $*"; status=1; }

port=
for _ in $(seq 600); do  # up to 60 s: sanitizer builds start slowly
  port=$(sed -n 's/^http_server: listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/out")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "FAIL: the server did not start"; cat "$tmp/out" "$tmp/err"; exit 1
fi
base="http://127.0.0.1:$port"
echo "server pid $pid on port $port"

curl_code() { curl -s -o "$tmp/body" -w '%{http_code}' --max-time 60 "$@"; }

# 1. A 200 with the greeting, and a simulated-work request.
[ "$(curl_code "$base/")" = 200 ] || fail "GET / is not 200"
grep -q 'Hello, World!' "$tmp/body" || fail "GET / body: $(cat "$tmp/body")"
[ "$(curl_code "$base/work?sleep_ms=5&spin_us=50")" = 200 ] || fail "GET /work is not 200"
grep -q 'slept 5 ms, spun 50 us' "$tmp/body" || fail "GET /work body: $(cat "$tmp/body")"

# 2. Keep-alive: two requests in one curl call share one connection.
connects=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' --max-time 60 "$base/" "$base/")
[ "$connects" = "1 0 " ] || fail "keep-alive: connects per request were '$connects', not '1 0 '"

# 3. Handler errors.
[ "$(curl_code "$base/nope")" = 404 ] || fail "unknown path is not 404"
[ "$(curl_code -X DELETE "$base/")" = 405 ] || fail "DELETE / is not 405"
[ "$(curl_code "$base/work?sleep_ms=soon")" = 400 ] || fail "bad sleep_ms is not 400"

# 4. Malformed and oversized request heads over a raw socket.
raw_status() {  # sends $1 (printf format) and prints the response's status code
  local line=
  exec 3<>"/dev/tcp/127.0.0.1/$port" || { echo "connect failed"; return; }
  printf "$1" >&3
  IFS= read -r -t 30 line <&3
  exec 3<&- 3>&-
  line=${line%$'\r'}
  echo "${line#HTTP/1.1 }" | cut -d' ' -f1
}
[ "$(raw_status 'GARBAGE\r\n\r\n')" = 400 ] || fail "garbage is not 400"
[ "$(raw_status 'GET / HTTP/1.1\nHost: x\n\n')" = 400 ] || fail "bare LF is not 400"
[ "$(raw_status 'GET / HTTP/1.1\r\n\r\n')" = 400 ] || fail "missing Host is not 400"
[ "$(raw_status 'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n')" = 400 ] || fail "obs-fold is not 400"
[ "$(raw_status 'GET / HTTP/1.1\r\nHost : x\r\n\r\n')" = 400 ] || fail "space before colon is not 400"
[ "$(raw_status 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n')" = 400 ] || fail "bad Content-Length is not 400"
[ "$(raw_status 'GET / HTTP/2.0\r\nHost: x\r\n\r\n')" = 505 ] || fail "HTTP/2.0 is not 505"
big=$(head -c 10000 /dev/zero | tr '\0' 'a')
[ "$(raw_status "GET / HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\n\r\n")" = 431 ] || fail "a 10 kB header is not 431"
[ "$(curl_code "$base/")" = 200 ] || fail "the server does not answer after bad requests"

# 4b. Issue 15, F7: connections of nothing but empty lines (4096 CRLFs, a full 8 KiB buffer)
# made the server spin. Four that hang up at once, as in the report, then four that wait for
# the answer: each must be a 400, and the server must answer a normal request afterwards.
crlfs=$(printf '\\r\\n%.0s' $(seq 4096))  # printf escapes, expanded by raw_status
for _ in 1 2 3 4; do
  printf "$crlfs" 2>/dev/null >"/dev/tcp/127.0.0.1/$port" || fail "F7: connect failed"
done
for i in 1 2 3 4; do
  code=$(raw_status "$crlfs")
  [ "$code" = 400 ] || fail "F7: connection $i of 4096 CRLFs got '$code', not 400"
done
[ "$(curl_code "$base/")" = 200 ] || fail "F7: the server does not answer after empty lines"

# 5. Overload: 12 parallel requests that each hold a handler slot for 2 s, on capacity 2. Some
# are refused with 503 at once; the rest succeed; none is lost or hangs (curl's limit is 60 s).
for i in $(seq 12); do
  curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 "$base/work?sleep_ms=2000" >"$tmp/code.$i" &
done
wait $(jobs -p | grep -v "^$pid\$") 2>/dev/null
codes=$(cat "$tmp"/code.* | sort | uniq -c | tr -s ' ' | tr '\n' ';')
ok=$(cat "$tmp"/code.* | grep -c '^200$')
busy=$(cat "$tmp"/code.* | grep -c '^503$')
echo "overload answers (count code): $codes"
[ $((ok + busy)) = 12 ] || fail "every overload request must get 200 or 503: $codes"
[ "$ok" -ge 1 ] || fail "no request got a handler slot: $codes"
[ "$busy" -ge 1 ] || fail "no request was refused with 503: $codes"
[ "$(curl_code "$base/stats")" = 200 ] || fail "/stats is not 200"
/usr/bin/python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
pool = [p for p in doc["pools"] if p["name"] == doc["server"]["pool"]][0]
assert pool["capacity"] == 2, pool
assert pool["rejected"]["full"] >= int(sys.argv[2]), pool
assert doc["server"]["responses"]["503"] == int(sys.argv[2]), doc["server"]
' "$tmp/body" "$busy" || fail "/stats is not the expected JSON: $(cat "$tmp/body")"
# /metrics, read by the reference parser: every pool family for the handlers' pool, and the
# 503s counted as refusals of a full pool.
[ "$(curl_code "$base/metrics")" = 200 ] || fail "/metrics is not 200"
/usr/bin/python3 "$(dirname "$0")/prometheus_check.py" http-handlers "$busy" <"$tmp/body" >"$tmp/prom" ||
  { cat "$tmp/prom"; fail "/metrics does not parse or lacks the pool"; }
[ "$(curl_code "$base/")" = 200 ] || fail "the server does not recover after the overload"

# 6. SIGTERM stops it cleanly.
kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  fail "the server did not stop on SIGTERM"
else
  wait "$pid"; rc=$?
  [ "$rc" = 0 ] || fail "the server exited with $rc"
fi
grep -qi 'error\|sanitizer' "$tmp/err" && { echo "server stderr:"; cat "$tmp/err"; fail "errors on stderr"; }
[ $status = 0 ] && echo "PASS"
exit $status
