"""Many servers side by side in one run: every contender takes a slice in turn, round after round.

A contender is one app behind one server: the service under each candidate WSGI server, the
floor (Flask, one Redis GET and SET) under each, and, when Node.js is here, the Node.js reference.
All are started at once and idle while the others are measured; each round gives every
contender one slice (forwards, then backwards the next round), so a contender and the fixed
baseline always see about the same background load. Ratios are taken per round against the
baseline - the floor served by gunicorn with 2 sync workers, the default a plain Flask + Redis
USSD app would get - and the median of those ratios is the robust figure.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench import loadgen
from bench.stack import cpu_seconds

BASELINE_SPEC = "sync:2"  # the fixed floor's server: gunicorn, 2 sync workers


@dataclass
class Contender:
    name: str  # e.g. "service / granian -w2 -t2"
    role: str  # "service" | "floor" | "reference"
    server: str  # the server's label
    port: int
    pids: Callable[[], list[int]]
    spread_ports: tuple[int, ...] = ()  # more servers the phones are spread over (loadgen)


@dataclass
class Slices:
    """The measured slices of one contender at one concurrency, merged, with CPU accounting."""

    recorder: loadgen.Recorder
    server_cpu: float = 0.0
    own_cpu: float = 0.0
    busy_cpu: float = 0.0
    hops_per_s: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        summary = self.recorder.summary()
        hops = max(int(summary["hops"]), 1)
        elapsed = max(self.recorder.elapsed, 1e-9)
        summary["slices_hops_per_s"] = self.hops_per_s
        summary["server_cpu_ms_per_hop"] = round(self.server_cpu * 1000 / hops, 3)
        summary["server_cpu_cores"] = round(self.server_cpu / elapsed, 2)
        summary["loadgen_cpu_ms_per_hop"] = round(self.own_cpu * 1000 / hops, 3)
        # Whole machine, in cores: server + load generator + PostgreSQL + Redis + anything else.
        summary["machine_busy_cores"] = round(self.busy_cpu / elapsed, 2)
        summary["other_cores"] = round(
            (self.busy_cpu - self.server_cpu - self.own_cpu) / elapsed, 2
        )
        return summary


def measure_slice(
    pids: Callable[[], list[int]], target: loadgen.Target, n: int, seconds: float, into: Slices
) -> None:
    """One measured slice of one contender, added to `into`."""
    import psutil

    processes = pids()
    server_cpu = cpu_seconds(processes)
    own = time.process_time()
    system = psutil.cpu_times()
    recorder = loadgen.run(target, n, seconds)
    after = psutil.cpu_times()
    into.server_cpu += cpu_seconds(processes) - server_cpu
    into.own_cpu += time.process_time() - own
    into.busy_cpu += (after.user + after.system + after.nice) - (
        system.user + system.system + system.nice
    )
    into.hops_per_s.append(round(len(recorder.latencies) / recorder.elapsed, 1))
    into.recorder.merge(recorder)


def measure_level(
    contenders: list[Contender], baseline: str, token: str, n: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Every contender at one concurrency, in rounds of one slice each; ratios to `baseline`."""
    targets = {
        c.name: loadgen.Target(
            c.name, c.port, token, args.journey, args.think_ms / 1000, c.spread_ports
        )
        for c in contenders
    }
    hops = loadgen.hops_per_session(args.journey)
    results = {c.name: Slices(loadgen.Recorder(hops)) for c in contenders}
    if args.warmup > 0:
        for c in contenders:
            loadgen.run(targets[c.name], n, args.warmup)
    rounds = max(1, round(args.duration / args.slice))
    seconds = args.duration / rounds
    for i in range(rounds):
        order = contenders if i % 2 == 0 else list(reversed(contenders))
        for c in order:
            measure_slice(c.pids, targets[c.name], n, seconds, results[c.name])
    base = results[baseline]
    out: dict[str, Any] = {"sessions": n, "baseline": baseline, "contenders": {}}
    for c in contenders:
        summary = results[c.name].summary()
        per_round = [
            round(mine / max(theirs, 1e-9), 3)
            for mine, theirs in zip(results[c.name].hops_per_s, base.hops_per_s, strict=True)
        ]
        summary.update(
            role=c.role,
            server=c.server,
            ratio_hops=round(
                summary["hops_per_s"] / max(base.recorder.summary()["hops_per_s"], 1e-9), 3
            ),
            ratio_rounds=per_round,
            ratio_median=round(statistics.median(per_round), 3),
        )
        out["contenders"][c.name] = summary
    return out


def service_runs(
    comparison: list[dict[str, Any]], services: list[Contender], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """One run per service contender in report.py's shape: its levels against the baseline."""
    runs = []
    for service in services:
        levels = []
        for level in comparison:
            mine = level["contenders"][service.name]
            levels.append(
                {
                    "sessions": level["sessions"],
                    "floor": level["contenders"][level["baseline"]],
                    "service": mine,
                    "ratio_hops": mine["ratio_hops"],
                    "ratio_slices": mine["ratio_rounds"],
                    "ratio_median": mine["ratio_median"],
                }
            )
        runs.append(
            {
                "server": service.server,
                "journey": args.journey,
                "hops_per_session": loadgen.hops_per_session(args.journey),
                "think_ms": args.think_ms,
                "baseline": comparison[0]["baseline"] if comparison else None,
                "levels": levels,
            }
        )
    return runs


def print_comparison(comparison: list[dict[str, Any]]) -> None:
    """Every contender at every level: hops/s, p99, and the median ratio to the baseline."""
    if not comparison:
        return
    print(f"\nSide by side (ratio: median per round against {comparison[0]['baseline']}):")
    names = list(comparison[0]["contenders"])
    width = max(len(name) for name in names) + 2
    cells = "".join(
        f" {'N=' + str(lv['sessions']) + ' hops/s':>13} {'p99':>6} {'ratio':>6}"
        for lv in comparison
    )
    print(f"{'contender':<{width}}{cells}")
    for name in names:
        row = f"{name:<{width}}"
        for level in comparison:
            s = level["contenders"][name]
            row += f" {s['hops_per_s']:>13.1f} {s['p99_ms']:>6.2f} {s['ratio_median']:>6.2f}"
            if s["errors"]:
                row += f" ({s['errors']} errors)"
        print(row)
