#!/usr/bin/env python3
"""gopool beside its peers: the workloads of issue 18, one process per point.

Runs every workload with gopool and with each peer that is built here (Go, boost.context,
boost.fiber, oneTBB, asio, rvaser's thread_pool; the HTTP server under wrk), one process per
point, the programs alternating within each round (the order rotates from round to round), and
prints for every figure the best, the median and min..max over the rounds, with the ratio
"how many times faster gopool is" (> 1: gopool faster; the best against the best, and the median
against the median). Writes results.json, results.csv (the summary), runs.csv (every point) and
a plot (plot.png, plot.svg: one panel per workload, one bar per system, the ratio on top) to
OUT/<UTC time>/ and copies them to OUT/latest.*.

A peer whose program is missing (its package was not found when building), or whose run fails,
is reported and skipped; the run goes on. benchmarks/compare/run.sh installs the peers, builds
everything and then calls this script; call it directly to rerun with a build you already have.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GO_PROGRAMS = {  # name -> source folder of the Go programs the driver builds
    "compare_go": HERE / "go",
    "echo_go": ROOT / "benchmarks" / "go" / "echo",
    "http_go": ROOT / "benchmarks" / "go" / "http",
    "joinset_go": ROOT / "benchmarks" / "go" / "joinset",
    "errgroup_go": ROOT / "benchmarks" / "go" / "errgroup",
}


class Skip(Exception):
    """A point that cannot run here (program missing, workload not supported)."""


class Failure(Exception):
    """A point that ran and failed (crash, timeout, no figure in its output)."""


@dataclass
class Measure:
    """One figure of one point: the primary value and optional secondary ones (peak RSS, p99)."""

    value: float
    extra: dict = field(default_factory=dict)


@dataclass
class System:
    """One program in a workload: its name and how to run one point of it."""

    name: str
    run: Callable[["Context"], Measure]
    note: str = ""


@dataclass
class Workload:
    """A row of issue 18's table: what is measured, in which unit, which way is better."""

    key: str
    title: str
    unit: str
    lower_is_better: bool
    systems: list
    # Secondary figures: key in Measure.extra -> (label, unit, lower_is_better).
    secondary: dict = field(default_factory=dict)


@dataclass
class Context:
    """What a point needs: the programs' paths, sizes, the timeout."""

    build: Path
    bin: dict
    quick: bool
    timeout: float
    args: argparse.Namespace


# ---------------------------------------------------------------------------------------------
# Running one point


def run_process(cmd: list, timeout: float) -> str:
    """Runs cmd to completion and returns its stdout; raises Skip on exit 3, Failure otherwise."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise Failure(f"timed out after {timeout:.0f} s: {' '.join(map(str, cmd))}") from None
    except OSError as e:
        raise Failure(f"cannot run {cmd[0]}: {e}") from None
    if p.returncode == 3:
        raise Skip(p.stderr.strip() or "not supported")
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        raise Failure(f"exit {p.returncode}: {' '.join(map(str, cmd))}: {tail}")
    return p.stdout


def program(ctx: Context, name: str) -> str:
    path = ctx.bin.get(name)
    if path is None:
        raise Skip(f"{name} is not built here")
    return str(path)


def adapter(name: str, workload: str, n: int, warmup: int) -> Callable[[Context], Measure]:
    """A point of one of the compare_* adapters: its JSON line's value (and peak RSS)."""

    def run(ctx: Context) -> Measure:
        out = run_process([program(ctx, name), workload, str(n), str(warmup)], ctx.timeout)
        for line in reversed(out.splitlines()):
            if line.startswith("{"):
                r = json.loads(line)
                extra = {"peak_rss_mib": r["peak_rss_mib"]} if "peak_rss_mib" in r else {}
                return Measure(float(r["value"]), extra)
        raise Failure(f"{name} {workload}: no result line in its output")

    return run


def gopool_raw_switch(min_time: float) -> Callable[[Context], Measure]:
    """gopool's raw switch: gopool_bench's BM_RawSwitch (below the public API), ns per switch."""

    def run(ctx: Context) -> Measure:
        out = run_process([program(ctx, "gopool_bench"), "--benchmark_filter=^BM_RawSwitch(/|$)",
                           "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
                          ctx.timeout)
        try:
            bench = json.loads(out)["benchmarks"][0]
            return Measure(float(bench["per_switch"]) * 1e9)
        except (ValueError, KeyError, IndexError) as e:
            raise Failure(f"gopool_bench BM_RawSwitch: unreadable output ({e})") from None

    return run


def echo_point(system: str) -> Callable[[Context], Measure]:
    """TCP echo ping-pong over loopback: echo_bench or benchmarks/go/echo, messages/s."""

    def run(ctx: Context) -> Measure:
        a = ctx.args
        ms = int(a.echo_seconds * 1000)
        if system == "gopool":
            cmd = [program(ctx, "echo_bench"), "--conns", str(a.conns), "--size", str(a.size),
                   "--duration-ms", str(ms), "--reps", "1", "--procs", "0"]
        else:
            cmd = [program(ctx, "echo_go"), "-conns", str(a.conns), "-size", str(a.size),
                   "-duration", f"{ms}ms", "-reps", "1", "-procs", str(os.cpu_count() or 1)]
        out = run_process(cmd, ctx.timeout)
        m = re.search(r"msgs_per_sec=([0-9.]+)", out)
        if not m:
            raise Failure(f"{system} echo: no msgs_per_sec in its output")
        return Measure(float(m.group(1)))

    return run


def gopool_bench_ms(bench: str) -> Callable[[Context], Measure]:
    """One gopool_bench benchmark (a --benchmark_filter regex), wall ms per iteration."""

    def run(ctx: Context) -> Measure:
        out = run_process([program(ctx, "gopool_bench"), f"--benchmark_filter={bench}",
                           "--benchmark_format=json",
                           "--benchmark_min_time=0.2" if ctx.quick else "--benchmark_min_time=1"],
                          ctx.timeout)
        try:
            b = json.loads(out)["benchmarks"][0]
            return Measure(float(b["real_time"]))
        except (ValueError, KeyError, IndexError) as e:
            raise Failure(f"gopool_bench {bench}: unreadable output ({e})") from None

    return run


def go_ms(name: str, args: list) -> Callable[[Context], Measure]:
    """One of benchmarks/go/'s programs that print a line "<what> ... <ms> ms": its median ms."""

    def run(ctx: Context) -> Measure:
        out = run_process([program(ctx, name)] + args, ctx.timeout)
        for line in out.splitlines():
            m = re.search(r"\s([0-9.]+) ms\s*$", line)
            if m:
                return Measure(float(m.group(1)))
        raise Failure(f"{name}: no 'ms' line in its output")

    return run


def free_port_server(cmd: list, timeout: float) -> tuple:
    """Starts a server that prints 'listening on 127.0.0.1:PORT'; returns (process, port).
    Gives up after timeout seconds (reading the pipe with a deadline, never blocking on it)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    fd = p.stdout.fileno()
    deadline = time.monotonic() + timeout
    seen = b""
    while True:
        m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", seen)
        if m:
            # The server keeps writing nothing we need: let the pipe drain into nowhere.
            threading.Thread(target=lambda: p.stdout.read(), daemon=True).start()
            return p, int(m.group(1))
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        seen += chunk
    stop_server(p)
    raise Failure(f"{cmd[0]} did not start listening within {timeout:.0f} s "
                  f"({seen.decode(errors='replace').strip()[-200:] or 'no output'})")


def stop_server(p: subprocess.Popen) -> None:
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wrk_ms(v: str) -> float:
    """wrk's '850.00us', '1.20ms', '1.05s', '2.00m' in milliseconds."""
    for suffix, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3), ("m", 6e4)):
        if v.endswith(suffix):
            return float(v[: -len(suffix)]) * scale
    return float(v)


def http_point(system: str, path: str) -> Callable[[Context], Measure]:
    """The capped HTTP handler under wrk: requests/s, with p99 latency and non-2xx answers."""

    def run(ctx: Context) -> Measure:
        a = ctx.args
        wrk = shutil.which("wrk")
        if wrk is None:
            raise Skip("wrk is not installed")
        if system == "gopool":
            cmd = [program(ctx, "http_server"), "--port", "0", "--capacity", str(a.capacity),
                   "--procs", "0"]
        else:
            cmd = [program(ctx, "http_go"), "-port", "0", "-capacity", str(a.capacity),
                   "-procs", str(os.cpu_count() or 1)]
        server, port = free_port_server(cmd, 30)
        try:
            url = f"http://127.0.0.1:{port}"
            run_process([wrk, "-t2", f"-c{a.conns}", "-d1s", url + "/"], ctx.timeout)  # warm-up
            out = run_process([wrk, "-t2", f"-c{a.conns}", f"-d{a.wrk_seconds:g}s", "--latency",
                               url + path], ctx.timeout)
        finally:
            stop_server(server)
        rps = re.search(r"^Requests/sec:\s+([0-9.]+)", out, re.M)
        p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
        if not rps:
            raise Failure(f"{system} http {path}: no Requests/sec in wrk's output")
        extra = {}
        if p99:
            extra["p99_ms"] = wrk_ms(p99.group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        extra["non_2xx"] = int(non2xx.group(1)) if non2xx else 0
        return Measure(float(rps.group(1)), extra)

    return run


# ---------------------------------------------------------------------------------------------
# The workloads (issue 18's table)


def workloads(quick: bool) -> list:
    def q(full: int, reduced: int) -> int:
        return reduced if quick else full

    n_post = q(1_000_000, 100_000)
    n_switch = q(20_000_000, 2_000_000)
    n_yield = q(5_000_000, 500_000)
    n_ping = q(1_000_000, 100_000)
    n_sieve = q(5000, 1500)
    n_sleep10 = q(1_000_000, 100_000)
    A = adapter
    return [
        Workload("raw_switch", "raw context switch", "ns per switch", True, [
            System("gopool", gopool_raw_switch(0.2 if quick else 1.0), "gopool_bench BM_RawSwitch"),
            System("boost.context", A("compare_boost_context", "raw_switch", n_switch,
                                      n_switch // 10), "jump_fcontext"),
        ]),
        Workload("yield", "yield, 1 P", "ns per switch", True, [
            System("gopool", A("compare_gopool", "yield", n_yield, n_yield // 10)),
            System("go", A("compare_go", "yield", n_yield, n_yield // 10), "runtime.Gosched"),
            System("boost.fiber", A("compare_boost_fiber", "yield", n_yield, n_yield // 10)),
        ]),
        Workload("pingpong", "unbuffered ping-pong, 1 P", "ns per round trip", True, [
            System("gopool", A("compare_gopool", "pingpong", n_ping, n_ping // 10)),
            System("go", A("compare_go", "pingpong", n_ping, n_ping // 10)),
            System("boost.fiber", A("compare_boost_fiber", "pingpong", n_ping, n_ping // 10),
                   "unbuffered_channel"),
        ]),
        Workload("sieve", f"prime sieve {n_sieve}, 1 P", "ms", True, [
            System("gopool", A("compare_gopool", "sieve", n_sieve, n_sieve // 10)),
            System("go", A("compare_go", "sieve", n_sieve, n_sieve // 10)),
            System("boost.fiber", A("compare_boost_fiber", "sieve", n_sieve, n_sieve // 10)),
        ]),
        Workload("post_inside", f"{n_post:,} empty tasks posted from inside, 2 threads",
                 "M tasks/s", False, [
            System("gopool", A("compare_gopool", "post_inside", n_post, n_post // 10),
                   "Pool::post from a goroutine"),
            System("oneTBB", A("compare_tbb", "post_inside", n_post, n_post // 10),
                   "task_group::run inside its arena"),
            System("boost.fiber", A("compare_boost_fiber", "post_inside", n_post, n_post // 10),
                   "fibers launched by the main fiber, shared_work"),
            System("go", A("compare_go", "post_inside", n_post, n_post // 10),
                   "goroutines through a channel semaphore"),
        ]),
        Workload("post_outside", f"{n_post:,} empty tasks posted from a foreign thread, 2 threads",
                 "M tasks/s", False, [
            System("gopool", A("compare_gopool", "post_outside", n_post, n_post // 10),
                   "Pool::post from the main thread"),
            System("oneTBB", A("compare_tbb", "post_outside", n_post, n_post // 10),
                   "task_arena::enqueue"),
            System("asio", A("compare_asio", "post_outside", n_post, n_post // 10),
                   "thread_pool post"),
            System("rvaser", A("compare_rvaser", "post_outside", n_post, n_post // 10),
                   "thread_pool::ThreadPool::Submit"),
        ]),
        Workload("submit", f"{n_post:,} submit + get, 2 threads", "M tasks/s", False, [
            System("gopool", A("compare_gopool", "submit", n_post, n_post // 10), "Pool::submit"),
            System("oneTBB", A("compare_tbb", "submit", n_post, n_post // 10),
                   "packaged_task via task_arena::enqueue"),
            System("rvaser", A("compare_rvaser", "submit", n_post, n_post // 10)),
            System("asio", A("compare_asio", "submit", n_post, n_post // 10),
                   "packaged_task via post"),
            System("go", A("compare_go", "submit", n_post, n_post // 10),
                   "semaphore + result channel"),
        ]),
        Workload("sleep1ms", "10,000 x 1 ms sleep, 2 threads", "ms", True, [
            System("gopool", A("compare_gopool", "sleep1ms", 10_000, 10_000), "Pool of 10 000"),
            System("boost.fiber", A("compare_boost_fiber", "sleep1ms", 10_000, 10_000)),
            System("asio", A("compare_asio", "sleep1ms", 10_000, 10_000), "thread_pool of 64"),
            System("go", A("compare_go", "sleep1ms", 10_000, 10_000), "semaphore of 10 000"),
        ]),
        Workload("sleep10ms", f"{n_sleep10:,} x 10 ms, capacity 50,000", "ms", True, [
            System("gopool", A("compare_gopool", "sleep10ms", n_sleep10, 0), "Pool of 50 000"),
            System("go", A("compare_go", "sleep10ms", n_sleep10, 0), "channel semaphore"),
        ], secondary={"peak_rss_mib": ("peak RSS", "MiB", True)}),
        # The Go side repeats its run 5 times in one process and prints the median, as
        # gopool_bench repeats its own: one cold run would charge Go for its first stacks.
        Workload("errgroup", "100,000 tiny tasks through a group limited to 1,000, 2 threads", "ms",
                 True, [
            System("gopool", gopool_bench_ms("^BM_TaskGroupFanOut/tasks:100000/limit:1000(/|$)"),
                   "TaskGroup with set_limit (gopool_bench)"),
            System("go", go_ms("errgroup_go", ["-tasks", "100000", "-limit", "1000", "-reps", "5"]),
                   "errgroup with SetLimit (same shape, standard library)"),
        ]),
        Workload("joinset", "100,000 tiny tasks collected as they finish, 2 threads", "ms", True, [
            System("gopool", gopool_bench_ms("^BM_JoinSetFanOut/100000(/|$)"),
                   "JoinSet spawn + next (gopool_bench)"),
            System("go", go_ms("joinset_go", ["-tasks", "100000", "-reps", "5"]),
                   "goroutines + a results channel"),
        ]),
        Workload("when_all", "when_all over 100,000 ready futures", "ms", True, [
            System("gopool", gopool_bench_ms("^BM_WhenAllReady/100000(/|$)"),
                   "when_all(vector) + get (gopool_bench)"),
            System("std::future", gopool_bench_ms("^BM_StdFutureLoop/100000(/|$)"),
                   "std::future::get in a loop (gopool_bench)"),
        ]),
        Workload("echo", "TCP echo ping-pong, loopback", "msgs/s", False, [
            System("gopool", echo_point("gopool"), "echo_bench"),
            System("go", echo_point("go"), "benchmarks/go/echo"),
        ]),
        Workload("http_hello", "HTTP GET / under wrk, capped handlers", "requests/s", False, [
            System("gopool", http_point("gopool", "/"), "examples/http_server"),
            System("go", http_point("go", "/"), "net/http + semaphore"),
        ], secondary={"p99_ms": ("p99 latency", "ms", True)}),
        Workload("http_work", "HTTP /work?sleep_ms=1 under wrk, capped handlers", "requests/s",
                 False, [
            System("gopool", http_point("gopool", "/work?sleep_ms=1"), "examples/http_server"),
            System("go", http_point("go", "/work?sleep_ms=1"), "net/http + semaphore"),
        ], secondary={"p99_ms": ("p99 latency", "ms", True)}),
    ]


QUICK_SET = ["raw_switch", "yield", "pingpong", "sieve", "post_inside", "post_outside", "submit",
             "sleep1ms", "sleep10ms", "echo", "http_hello"]


# ---------------------------------------------------------------------------------------------
# Statistics and output


def summarize(values: list, lower_is_better: bool) -> Optional[dict]:
    if not values:
        return None
    return {
        "runs": len(values),
        "best": min(values) if lower_is_better else max(values),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "values": values,
    }


def faster(gopool: float, peer: float, lower_is_better: bool) -> Optional[float]:
    """How many times faster (or smaller) gopool's figure is than the peer's; > 1: gopool wins."""
    if gopool <= 0 or peer <= 0:
        return None
    return peer / gopool if lower_is_better else gopool / peer


def fmt(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def build_results(specs: list, data: dict, rounds: int) -> list:
    """The per-workload summary: every figure's statistics and gopool's ratios."""
    out = []
    for w in specs:
        figures = [("value", w.unit, w.lower_is_better, w.title)]
        figures += [(k, u, lib, label) for k, (label, u, lib) in w.secondary.items()]
        entry = {"key": w.key, "title": w.title, "figures": []}
        for key, unit, lib, label in figures:
            stats = {}
            for s in w.systems:
                vals = [m.value if key == "value" else m.extra[key]
                        for m in data.get((w.key, s.name), []) if key == "value" or key in m.extra]
                st = summarize(vals, lib)
                if st is not None:
                    st["note"] = s.note
                    stats[s.name] = st
            ratios = {}
            g = stats.get("gopool")
            if g is not None:
                for name, st in stats.items():
                    if name != "gopool":
                        ratios[name] = {"best": faster(g["best"], st["best"], lib),
                                        "median": faster(g["median"], st["median"], lib)}
            entry["figures"].append({"metric": key, "label": label, "unit": unit,
                                     "lower_is_better": lib, "systems": stats,
                                     "gopool_faster": ratios})
        out.append(entry)
    return out


def print_summary(results: list, rounds: int) -> None:
    print()
    print(f"Summary over {rounds} round(s): best, median, min..max; "
          "'gopool x' = how many times faster (or smaller) gopool is, best/best and median/median")
    for w in results:
        for f in w["figures"]:
            if not f["systems"]:
                continue
            way = "lower is better" if f["lower_is_better"] else "higher is better"
            head = w["title"] if f["metric"] == "value" else f"{w['title']}: {f['label']}"
            print(f"\n{head} ({f['unit']}, {way})")
            print(f"  {'system':<14} {'best':>10} {'median':>10} {'min..max':>21}  gopool x (best, median)")
            for name, st in f["systems"].items():
                r = f["gopool_faster"].get(name)
                ratio = "" if r is None else "  " + ", ".join(
                    "-" if v is None else f"{v:.2f}x" for v in (r["best"], r["median"]))
                rng = f"{fmt(st['min'])}..{fmt(st['max'])}"
                note = f"  ({st['note']})" if st["note"] else ""
                print(f"  {name:<14} {fmt(st['best']):>10} {fmt(st['median']):>10} {rng:>21}"
                      f"{ratio}{note}")


def write_csv(path: Path, results: list) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "title", "metric", "unit", "lower_is_better", "system", "runs",
                    "best", "median", "min", "max", "gopool_faster_best", "gopool_faster_median",
                    "note"])
        for wl in results:
            for fig in wl["figures"]:
                for name, st in fig["systems"].items():
                    r = fig["gopool_faster"].get(name, {})
                    w.writerow([wl["key"], wl["title"], fig["metric"], fig["unit"],
                                int(fig["lower_is_better"]), name, st["runs"],
                                f"{st['best']:.6g}", f"{st['median']:.6g}", f"{st['min']:.6g}",
                                f"{st['max']:.6g}",
                                "" if r.get("best") is None else f"{r['best']:.4f}",
                                "" if r.get("median") is None else f"{r['median']:.4f}",
                                st["note"]])


def write_runs_csv(path: Path, runs: list) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["round", "workload", "system", "status", "value", "extra", "seconds"])
        for r in runs:
            w.writerow([r["round"], r["workload"], r["system"], r["status"],
                        "" if r.get("value") is None else f"{r['value']:.6g}",
                        json.dumps(r.get("extra", {})) if r.get("extra") else r.get("why", ""),
                        f"{r['seconds']:.2f}"])


def plot(results: list, meta: dict, out: Path) -> Optional[str]:
    """plot.png and plot.svg: one panel per figure, one bar (the best) per system, the median
    as a dot and min..max as a whisker, gopool's ratio (best/best) above each peer's bar."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (python3-matplotlib): no plot"
    panels = [(w, f) for w in results for f in w["figures"] if f["systems"]]
    if not panels:
        return "nothing measured: no plot"
    cols = 4 if len(panels) > 6 else 3
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.6 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (w, f) in zip(axes.flat, panels):
        names = list(f["systems"])
        best = [f["systems"][n]["best"] for n in names]
        med = [f["systems"][n]["median"] for n in names]
        lo = [f["systems"][n]["min"] for n in names]
        hi = [f["systems"][n]["max"] for n in names]
        colors = ["#2b7bba" if n == "gopool" else "#a0a0a0" for n in names]
        x = range(len(names))
        ax.bar(x, best, color=colors)
        ax.errorbar(x, med, yerr=[[m - l for m, l in zip(med, lo)], [h - m for m, h in zip(med, hi)]],
                    fmt="o", color="black", markersize=3, capsize=3, linewidth=1)
        top = max(hi) if hi else 1
        for i, n in enumerate(names):
            r = f["gopool_faster"].get(n, {}).get("best")
            if r is not None:
                ax.text(i, max(best[i], hi[i]) + 0.02 * top, f"{r:.2f}x",
                        ha="center", va="bottom", fontsize=9,
                        color="#1a7f37" if r >= 1 else "#b42318", fontweight="bold")
        ax.set_ylim(0, top * 1.18)
        ax.set_xticks(list(x))
        ax.set_xticklabels(names, rotation=20, fontsize=8)
        way = "lower is better" if f["lower_is_better"] else "higher is better"
        title = w["title"] if f["metric"] == "value" else f"{w['title']}: {f['label']}"
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(f"{f['unit']} ({way})", fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(f"gopool beside its peers: bar = best of {meta['rounds']} round(s), dot = median, "
                 f"whisker = min..max; above a peer: how many times faster gopool is\n"
                 f"{meta['date']}, {meta['cpus']} CPUs, {meta['command']}", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / (3.6 * rows)))
    fig.savefig(out / "plot.png", dpi=110)
    fig.savefig(out / "plot.svg")
    plt.close(fig)
    return None


# ---------------------------------------------------------------------------------------------
# Setup: finding the programs, building the Go ones


def find_programs(build: Path, go_out: Path, want_go: bool) -> tuple:
    """Paths of the programs this build has, and the reasons for those it lacks."""
    found, missing = {}, {}
    c = build / "benchmarks" / "compare"
    for name in ["compare_gopool", "compare_boost_context", "compare_boost_fiber", "compare_tbb",
                 "compare_asio", "compare_rvaser"]:
        p = c / name
        if p.is_file() and os.access(p, os.X_OK):
            found[name] = p
        else:
            missing[name] = f"not built in {c} (its package was not found, or run.sh not run)"
    for name, rel in [("gopool_bench", "benchmarks/gopool_bench"),
                      ("echo_bench", "benchmarks/echo_bench"),
                      ("http_server", "examples/http_server")]:
        p = build / rel
        if p.is_file() and os.access(p, os.X_OK):
            found[name] = p
        else:
            missing[name] = f"not built in {build}"
    if not want_go:
        for name in GO_PROGRAMS:
            missing[name] = "Go skipped (--no-go)"
        return found, missing
    go = shutil.which("go")
    if go is None:
        for name in GO_PROGRAMS:
            missing[name] = "go is not installed (golang-go)"
        return found, missing
    go_out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GOFLAGS="-mod=mod", GOTOOLCHAIN="local")
    env.setdefault("GOCACHE", str(go_out / "cache"))
    for name, src in GO_PROGRAMS.items():
        if not src.is_dir():
            missing[name] = f"no Go program in {src}"
            continue
        dest = go_out / name
        p = subprocess.run([go, "build", "-o", str(dest), "."], cwd=src, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        if p.returncode == 0:
            found[name] = dest
        else:
            missing[name] = f"go build failed in {src}: {p.stdout.strip()[-300:]}"
    return found, missing


def parse_args(argv: list) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="compare.py", description=__doc__,
        epilog="Workloads: " + ", ".join(w.key for w in workloads(False)) +
               f". --quick runs {', '.join(QUICK_SET)} at reduced sizes, one round.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", type=Path, default=ROOT / "build" / "compare",
                    help="the CMake build holding the programs (default: build/compare)")
    ap.add_argument("--rounds", type=int, default=None,
                    help="rounds; every program runs once per round (default 3, --quick 1)")
    ap.add_argument("--quick", action="store_true",
                    help="a reduced set at reduced sizes, one round: under 2 minutes")
    ap.add_argument("--only", default="", help="comma-separated workloads to run (default: all)")
    ap.add_argument("--exclude", default="", help="comma-separated workloads to leave out")
    ap.add_argument("--systems", default="",
                    help="comma-separated systems to run (gopool is always kept; default: all)")
    ap.add_argument("--no-go", action="store_true", help="leave Go out")
    ap.add_argument("--out", type=Path, default=HERE / "results",
                    help="where results go: OUT/<time>/ and OUT/latest.* (default: "
                         "benchmarks/compare/results)")
    ap.add_argument("--no-plot", action="store_true", help="no plot")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per point (default 600)")
    ap.add_argument("--duration", type=float, default=None,
                    help="seconds of each echo and wrk run (default 5 for echo and 10 for wrk; "
                         "--quick 1 and 2)")
    ap.add_argument("--conns", type=int, default=100,
                    help="connections of the echo and HTTP workloads (default 100)")
    ap.add_argument("--size", type=int, default=64, help="echo message size (default 64)")
    ap.add_argument("--capacity", type=int, default=1000,
                    help="handlers running at once in both HTTP servers (default 1000)")
    ap.add_argument("--list", action="store_true", help="list the workloads and systems, then exit")
    a = ap.parse_args(argv)
    if a.rounds is None:
        a.rounds = 1 if a.quick else 3
    if a.rounds < 1:
        ap.error("--rounds needs a positive integer")
    if a.duration is not None and a.duration <= 0:
        ap.error("--duration needs a positive number of seconds")
    a.echo_seconds = a.duration or (1.0 if a.quick else 5.0)
    a.wrk_seconds = a.duration or (2.0 if a.quick else 10.0)
    return a


def main(argv: list) -> int:
    a = parse_args(argv)
    specs = workloads(a.quick)
    if a.list:
        for w in specs:
            print(f"{w.key:<13} {w.title} [{w.unit}]: " +
                  ", ".join(s.name + (f" ({s.note})" if s.note else "") for s in w.systems))
        return 0
    known = {w.key for w in specs}
    only = [k for k in a.only.split(",") if k] or (QUICK_SET if a.quick else sorted(known))
    exclude = [k for k in a.exclude.split(",") if k]
    bad = [k for k in only + exclude if k not in known]
    if bad:
        print(f"compare: unknown workload(s) {', '.join(bad)}; known: {', '.join(sorted(known))}",
              file=sys.stderr)
        return 2
    specs = [w for w in specs if w.key in only and w.key not in exclude]
    keep = {s for s in a.systems.split(",") if s}
    if keep:
        for w in specs:
            w.systems = [s for s in w.systems if s.name == "gopool" or s.name in keep]

    build = a.build_dir.resolve()
    found, missing = find_programs(build, build / "compare-go", not a.no_go)
    if a.no_go:
        for w in specs:
            w.systems = [s for s in w.systems if s.name != "go"]
    for name, why in sorted(missing.items()):
        print(f"compare: skipping {name}: {why}")
    ctx = Context(build, found, a.quick, a.timeout, a)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    meta = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "host": socket.gethostname(), "cpus": os.cpu_count(), "machine": platform.machine(),
        "kernel": platform.release(), "rounds": a.rounds, "quick": a.quick,
        "command": os.environ.get("GOPOOL_COMPARE_COMMAND",
                                  "benchmarks/compare/compare.py " + " ".join(argv)).strip(),
        "load_average_at_start": os.getloadavg(),
    }

    data: dict = {}
    runs: list = []
    skipped: dict = {}
    print(f"compare: {len(specs)} workload(s), {a.rounds} round(s), one process per point; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for r in range(1, a.rounds + 1):
        print(f"\n== round {r}/{a.rounds}")
        for w in specs:
            order = w.systems[(r - 1) % len(w.systems):] + w.systems[:(r - 1) % len(w.systems)]
            parts = []
            for s in order:
                if (w.key, s.name) in skipped:
                    continue
                t0 = time.monotonic()
                rec = {"round": r, "workload": w.key, "system": s.name}
                try:
                    m = s.run(ctx)
                except Skip as e:
                    skipped[(w.key, s.name)] = str(e)
                    rec.update(status="skipped", why=str(e))
                    parts.append(f"{s.name} skipped")
                except Failure as e:
                    rec.update(status="failed", why=str(e))
                    parts.append(f"{s.name} FAILED")
                    print(f"  {w.key} {s.name}: {e}", file=sys.stderr)
                else:
                    data.setdefault((w.key, s.name), []).append(m)
                    rec.update(status="ok", value=m.value, extra=m.extra)
                    extra = "".join(f" {k}={fmt(v)}" for k, v in m.extra.items())
                    parts.append(f"{s.name} {fmt(m.value)}{extra}")
                rec["seconds"] = time.monotonic() - t0
                runs.append(rec)
            print(f"  {w.key:<13} [{w.unit}] " + "  ".join(parts), flush=True)

    results = build_results(specs, data, a.rounds)
    print_summary(results, a.rounds)
    for (wk, sn), why in sorted(skipped.items()):
        print(f"skipped {wk} / {sn}: {why}")
    failures = [r for r in runs if r["status"] == "failed"]

    out = a.out / stamp
    out.mkdir(parents=True, exist_ok=True)
    doc = {"meta": meta, "workloads": results,
           "skipped": [{"workload": k[0], "system": k[1], "why": v} for k, v in skipped.items()],
           "missing_programs": missing, "failures": failures, "runs": runs}
    (out / "results.json").write_text(json.dumps(doc, indent=1) + "\n")
    write_csv(out / "results.csv", results)
    write_runs_csv(out / "runs.csv", runs)
    why = None if not a.no_plot else "--no-plot"
    if why is None:
        why = plot(results, meta, out)
    latest = {"results.json": "latest.json", "results.csv": "latest.csv",
              "runs.csv": "latest-runs.csv"}
    if why is None:
        latest.update({"plot.png": "latest.png", "plot.svg": "latest.svg"})
    else:
        print(f"compare: {why}")
    for name, copy in latest.items():
        shutil.copyfile(out / name, a.out / copy)
    print(f"\ncompare: results in {out} (copied to {a.out}/latest.*)")
    if failures:
        print(f"compare: {len(failures)} point(s) failed (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
