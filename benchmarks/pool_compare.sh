#!/usr/bin/env bash
# The pool workloads side by side: gopool against oneTBB, asio, rvaser's thread_pool,
# boost.fiber and Go (empty tasks posted from inside and from a foreign thread, submit + get,
# 10 000 x 1 ms, 1 000 000 x 10 ms through a capacity of 50 000 with the peak RSS). A shortcut
# for the comparison program, which installs the peers, builds everything and prints and
# writes the results:
#
#   benchmarks/pool_compare.sh [--rounds 3] [--quick] [other benchmarks/compare/run.sh options]
#
# is benchmarks/compare/run.sh --only post_inside,post_outside,submit,sleep1ms,sleep10ms ...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
  -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
exec "$here/compare/run.sh" --only post_inside,post_outside,submit,sleep1ms,sleep10ms "$@"
