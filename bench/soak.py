"""Soak: keep sessions flowing for minutes and sample the RSS of every server and worker process."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from bench import loadgen, worker_sms
from bench.stack import SERVICE_APP, Backends, ServerSpec, start_server

WARMUP_SECONDS = 10.0
MIB = 1024 * 1024
# Flat: the last quarter's mean RSS is within 3 % (plus 1 MiB of allocator noise) of the first's.
FLAT_RATIO = 1.03
FLAT_SLACK = 1 * MIB


@dataclass
class Sampler:
    """Samples RSS of the processes named by `sources` every `every` seconds, on a thread."""

    sources: dict[str, Any]  # label -> object with .pids()
    every: float
    samples: list[tuple[float, str, int, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="rss-sampler")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        import psutil

        started = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic() - started
            for label, source in self.sources.items():
                pids = source.pids()
                for i, pid in enumerate(pids):
                    role = f"{label} {'master' if i == 0 else 'child'}"
                    try:
                        rss = psutil.Process(pid).memory_info().rss
                    except psutil.NoSuchProcess:
                        continue
                    self.samples.append((now, role, pid, rss))
            self._stop.wait(self.every)


def analyse(samples: list[tuple[float, str, int, int]]) -> list[dict[str, Any]]:
    """Per process: first-quartile vs last-quartile mean RSS, and whether that is flat."""
    by_pid: dict[int, list[tuple[float, str, int]]] = {}
    for t, role, pid, rss in samples:
        by_pid.setdefault(pid, []).append((t, role, rss))
    rows = []
    for pid, series in sorted(by_pid.items()):
        quarter = max(1, len(series) // 4)
        times = [t for t, _, _ in series]
        sizes = [r / MIB for _, _, r in series]
        slope = (
            statistics.linear_regression(times, sizes).slope * 60
            if len(series) > 2 and len(set(times)) > 1
            else 0.0
        )
        first = statistics.fmean(r for _, _, r in series[:quarter])
        last = statistics.fmean(r for _, _, r in series[-quarter:])
        rows.append(
            {
                "process": series[0][1],
                "pid": pid,
                "samples": len(series),
                "seconds_seen": round(series[-1][0] - series[0][0], 1),
                "first_quartile_mib": round(first / MIB, 1),
                "last_quartile_mib": round(last / MIB, 1),
                "max_mib": round(max(r for _, _, r in series) / MIB, 1),
                "growth_pct": round((last / first - 1) * 100, 2),
                "slope_mib_per_min": round(slope, 3),
                "flat": last <= first * FLAT_RATIO + FLAT_SLACK,
            }
        )
    return rows


def run_soak(
    backends: Backends,
    spec: ServerSpec,
    *,
    sessions: int,
    minutes: float,
    sessions_total: int,
    sample_seconds: float,
    journey: str,
    with_worker: bool,
) -> dict[str, Any]:
    with ExitStack() as stack:
        service = start_server("service", SERVICE_APP, spec, backends)
        stack.callback(service.stop)
        sources: dict[str, Any] = {spec.kind: service}
        worker_note = "not run"
        if with_worker:
            reason = worker_sms.unavailable()
            if reason is None:
                worker = stack.enter_context(worker_sms.running_worker(backends))
                sources["handsoff worker"] = worker
                worker_note = "ran alongside, sending to the fake aggregator"
            else:
                worker_note = f"skipped: {reason}"
                print(f"note: worker not soaked ({reason})")
        target = loadgen.Target("service", service.port, backends.token, journey)
        print(
            f"soak: warming up {WARMUP_SECONDS:.0f}s, then {minutes:g} min or "
            f"{sessions_total} sessions at {sessions} in flight ({spec.label})"
        )
        loadgen.run(target, sessions, WARMUP_SECONDS)
        redis_client = backends.redis()
        redis_before = int(redis_client.info("memory")["used_memory"])
        sampler = Sampler(sources, sample_seconds)
        sampler.start()
        try:
            recorder = asyncio.run(
                loadgen.drive(target, sessions, minutes * 60, max_sessions=sessions_total)
            )
        finally:
            sampler.stop()
        redis_after = int(redis_client.info("memory")["used_memory"])
        redis_keys = _key_families(redis_client)
        redis_client.close()
        sent = sources["handsoff worker"].sent() if "handsoff worker" in sources else None
    processes = analyse(sampler.samples)
    summary = recorder.summary()
    for key in ("per_hop_p50_ms", "per_hop_p99_ms"):
        summary.pop(key, None)
    return {
        "server": spec.label,
        "sessions_in_flight": sessions,
        "minutes_asked": minutes,
        "sessions_total_asked": sessions_total,
        "sample_seconds": sample_seconds,
        "load": summary,
        "worker": worker_note,
        "worker_sms_sent": sent,
        "redis_used_memory_mib": [round(redis_before / MIB, 1), round(redis_after / MIB, 1)],
        "redis_keys_at_end": redis_keys,
        "processes": processes,
        "flat": all(p["flat"] for p in processes),
        "criterion": f"last-quartile mean RSS <= first-quartile mean x {FLAT_RATIO} + 1 MiB",
    }


def _key_families(client: Any) -> dict[str, int]:
    """Keys in the bench's own Redis database by prefix (two segments), all expiring or rq's."""
    families: dict[str, int] = {}
    for key in client.scan_iter(count=1000):
        parts = key.decode(errors="replace").split(":")
        family = ":".join(parts[:2]) if len(parts) > 1 else parts[0]
        families[family] = families.get(family, 0) + 1
    return dict(sorted(families.items(), key=lambda kv: -kv[1])[:15])


def print_soak(result: dict[str, Any]) -> None:
    load = result["load"]
    print(
        f"\nSoak ({result['server']}, {result['sessions_in_flight']} in flight): "
        f"{load['sessions']} sessions, {load['hops']} hops in {load['seconds']:.0f}s "
        f"({load['hops_per_s']} hops/s, p99 {load['p99_ms']} ms, errors {load['errors']})"
    )
    print(
        f"{'process':<24} {'pid':>7} {'n':>4} {'Q1 MiB':>8} {'Q4 MiB':>8} {'max':>7} {'growth':>7}"
    )
    for p in result["processes"]:
        print(
            f"{p['process']:<24} {p['pid']:>7} {p['samples']:>4} {p['first_quartile_mib']:>8.1f} "
            f"{p['last_quartile_mib']:>8.1f} {p['max_mib']:>7.1f} {p['growth_pct']:>6.2f}% "
            f"{p['slope_mib_per_min']:>+7.3f} MiB/min "
            f"{'flat' if p['flat'] else 'GROWING'}"
        )
    print(f"Redis used_memory MiB before/after: {result['redis_used_memory_mib']}")
    print(f"Redis keys at the end, by family: {result['redis_keys_at_end']}")
    print(f"Memory flat: {result['flat']} ({result['criterion']})")
