#!/usr/bin/python3
"""Reads a Prometheus text exposition on stdin and checks it with the reference parser
(Debian's python3-prometheus-client): every line must parse, the runtime's families must be
there, and every pool named on the command line must have its capacity, workers, task counters,
rejections by cause and wait summary. Prints the pools' samples; exits 1 on any failure.
usage: prometheus_check.py POOL_NAME [MIN_REJECTED_FULL] < metrics.txt"""
import sys

from prometheus_client.parser import text_string_to_metric_families

pool = sys.argv[1]
min_full = int(sys.argv[2]) if len(sys.argv) > 2 else 0
families = {f.name: f for f in text_string_to_metric_families(sys.stdin.read())}
problems = []


def samples(name, **labels):
    family = families.get(name)
    if family is None:
        problems.append(f"no family {name}")
        return []
    return [s for s in family.samples
            if all(s.labels.get(k) == v for k, v in labels.items())]


for name in ("gopool_goroutines", "gopool_context_switches", "gopool_threads", "gopool_procs"):
    if name not in families:
        problems.append(f"no runtime family {name}")
for name in ("gopool_pool_capacity", "gopool_pool_workers", "gopool_pool_waiting_callers",
             "gopool_pool_tasks_submitted", "gopool_pool_tasks_completed",
             "gopool_pool_task_exceptions", "gopool_pool_tasks_rejected",
             "gopool_pool_wait_seconds"):
    if not samples(name, pool=pool):
        problems.append(f"{name} has no sample for pool {pool!r}")
causes = {s.labels["cause"]: s.value for s in samples("gopool_pool_tasks_rejected", pool=pool)}
if set(causes) != {"closed", "full", "waiters", "timeout", "context"}:
    problems.append(f"rejection causes are {sorted(causes)}")
if causes.get("full", 0) < min_full:
    problems.append(f"rejected full {causes.get('full')} < {min_full}")
if families.get("gopool_pool_wait_seconds") and families["gopool_pool_wait_seconds"].type != "summary":
    problems.append("gopool_pool_wait_seconds is not a summary")
for s in (x for f in families.values() for x in f.samples if x.labels.get("pool") == pool):
    print(s.name, s.labels, s.value)
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
