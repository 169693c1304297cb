#!/usr/bin/env bash
# The gdb helper (tools/gdb/gopool.py) against a live process and against core files:
# `info goroutines` lists the parked goroutines with their state, wait reason, time waiting,
# label and creation site, and `goroutine <id> bt` shows the frame a goroutine parked in.
#   1. the live process (default options), then its gcore;
#   2. a gcore of the process with the stacks' guard markers off (gcore cannot read memory
#      below a guard marker, Linux 6.13+: on such a core the helper must say so, not be silent);
#   3. a core written by the kernel (std::abort), when ulimit -c and core_pattern allow one.
# Usage: gdb_helper.sh <gopool.py> <parked_goroutines program> <work dir>
# Exits 77 (skipped) when gdb is missing or may not trace the program.
set -uo pipefail
script=$1
program=$(realpath "$2")
work=$3
if ! command -v gdb >/dev/null; then
  echo "gdb is not installed: skipped"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work/kernel"
gdb_opts=(-batch -nx -iex "set debuginfod enabled off" -ex "source $script")
commands=(-ex "info goroutines" -ex "goroutine gdb_helper_target_id bt")

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# expect <output file> <what> <extended regex>
expect() {
  grep -Eq "$3" "$1" || fail "$1: $2 (no line matches: $3)"
}
# check <output file> <target id>: the listing and the backtrace.
check() {
  local out=$1 id=$2 site='parked_goroutines\.cpp:[0-9]+$'
  expect "$out" "the target goroutine's row" "^$id +waiting +chan_recv +[0-9.]+(ns|us|ms|s) +- +.*$site"
  expect "$out" "the sleeper's row" "^[0-9]+ +waiting +sleep .*$site"
  expect "$out" "the labelled goroutine's row" "^[0-9]+ +waiting +wait_group .* gdb-helper-label +.*$site"
  expect "$out" "the pool's idle worker" "^[0-9]+ +waiting +pool_idle "
  expect "$out" "the group's task" "^[0-9]+ +waiting +wait_group .* gdb-helper-group +.*parked_goroutines\.cpp:[0-9]+"
  expect "$out" "the count" "^[0-9]+ goroutines$"
  expect "$out" "the backtrace's header" "^goroutine $id \[waiting, chan_recv\], created at .*parked_goroutines\.cpp:[0-9]+:$"
  expect "$out" "frame numbering from 0" "^#0 "
  expect "$out" "the distinctive frame in the backtrace" "^#[0-9]+ .*parked_in_distinctive_frame"
}
# target_id <output file>: the id the program printed.
target_id() {
  sed -n 's/^target goroutine \([0-9]*\)$/\1/p' "$1"
}
# live <name> [program options...]: runs the program under gdb to gdb_helper_ready, runs the
# commands and writes a core with gcore ($work/<name>.core); the output is $work/<name>.txt.
live() {
  local name=$1
  shift
  gdb "${gdb_opts[@]}" -ex "break gdb_helper_ready" -ex run "${commands[@]}" -ex "backtrace 1" \
    -ex "gcore $work/$name.core" -ex kill --args "$program" "$@" >"$work/$name.txt" 2>&1
  echo "=== $name: live process ($*) ==="
  cat "$work/$name.txt"
  if ! grep -q "gdb_helper_ready ()" "$work/$name.txt"; then
    if grep -q "Operation not permitted" "$work/$name.txt"; then
      echo "gdb may not trace processes here: skipped"
      exit 77
    fi
    fail "the program never reached gdb_helper_ready"
    return 1
  fi
  [ -n "$(target_id "$work/$name.txt")" ] || fail "the program did not print its target goroutine"
  # After `goroutine <id> bt` the thread's own backtrace is back.
  expect "$work/$name.txt" "the thread's own frame after the goroutine's backtrace" '^#0 +gdb_helper_ready \(\)'

  [ -s "$work/$name.core" ] || fail "gcore wrote no core file"
}
# on_core <name> <core> <target id>: runs the commands on a core file.
on_core() {
  gdb "${gdb_opts[@]}" "${commands[@]}" "$program" "$2" >"$work/$1.txt" 2>&1
  echo "=== $1: core file ==="
  cat "$work/$1.txt"
}

if live default; then
  id=$(target_id "$work/default.txt")
  check "$work/default.txt" "$id"
  on_core default-gcore "$work/default.core" "$id"
  if grep -q "stacks are not in this core" "$work/default-gcore.txt"; then
    echo "(gcore could not read the stacks below guard markers, and the helper said so)"
  else
    check "$work/default-gcore.txt" "$id"
  fi
fi

if live plain --no-guard-markers; then
  id=$(target_id "$work/plain.txt")
  check "$work/plain.txt" "$id"
  on_core plain-gcore "$work/plain.core" "$id"
  check "$work/plain-gcore.txt" "$id"
fi

(cd "$work/kernel" && ulimit -c unlimited && "$program" --abort >"$work/kernel.out" 2>&1)
kernel_core=$(ls "$work"/kernel/core* 2>/dev/null | head -n 1)
if [ -n "$kernel_core" ]; then
  id=$(target_id "$work/kernel.out")
  on_core kernel-core "$kernel_core" "$id"
  check "$work/kernel-core.txt" "$id"
else
  echo "=== no kernel core file (core_pattern: $(cat /proc/sys/kernel/core_pattern)): not checked ==="
fi
rm -f "$work"/*.core "$work"/kernel/core*

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "gdb helper: live process and core files checked"
