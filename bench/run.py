"""The one bench command. See bench/README.md.

python -m bench.run --sessions 2,16 --duration 20            # service vs floor, table, JSON
python -m bench.run --servers procfile,sync:2,waitress:8     # compare servers as well
python -m bench.run --profile --no-load                      # the hot path under cProfile
python -m bench.run --soak --minutes 20 --sessions-total 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable
from contextlib import ExitStack, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bench import compare, loadgen, report, worker_sms
from bench.servers import ServerSpecError
from bench.stack import (
    FLOOR_APP,
    REPO,
    SERVICE_APP,
    Backends,
    BenchError,
    ServerSpec,
    free_port,
    provision,
    start_server,
    teardown,
)

RESULTS = REPO / "bench" / "results"


class Interrupted(BaseException):
    """SIGINT, SIGTERM or the overall time limit: stop, but clean up first."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--sessions", default="2,8,16", help="sessions in flight, comma-separated")
    p.add_argument("--duration", type=float, default=20.0, help="seconds measured per level")
    p.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each")
    p.add_argument(
        "--slice",
        type=float,
        default=5.0,
        help="floor and service alternate in slices of about this many seconds",
    )
    p.add_argument(
        "--servers",
        default="procfile",
        help="comma-separated: procfile (the Procfile's web line), sync:W, gthread:WxT, "
        "waitress:T; the first is the headline",
    )
    p.add_argument(
        "--no-floors",
        dest="floors",
        action="store_false",
        help="measure the floor only under the baseline server (gunicorn sync -w2)",
    )
    p.add_argument(
        "--no-node",
        dest="node",
        action="store_false",
        help="leave out the Node.js reference (bench/node_reference)",
    )
    p.add_argument("--journey", choices=sorted(loadgen.JOURNEYS), default="plain")
    p.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="mean pause before each hop, 0.5-1.5x at random (0: back to back, the capacity test)",
    )
    p.add_argument("--redis-db", type=int, default=13, help="an empty Redis database number")
    p.add_argument("--no-load", action="store_true", help="skip the HTTP runs")
    p.add_argument("--no-worker", action="store_true", help="skip the worker SMS measurement")
    p.add_argument("--worker-seconds", type=float, default=20.0)
    p.add_argument(
        "--worker-only",
        action="store_true",
        help="seed cases with a short USSD load, then measure only the worker's SMS rate",
    )
    p.add_argument(
        "--worker-compare",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="with --worker-only: alternate fresh-connection / keep-alive worker runs",
    )
    p.add_argument("--worker-cases", type=int, default=300, help="cases per worker round")
    p.add_argument(
        "--sms-wave",
        type=int,
        default=1000,
        metavar="N",
        help="after the worker's cases, a wave of N officer notices drained by the worker (0: no)",
    )
    p.add_argument(
        "--sms-wave-compare",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="only the SMS wave: one message per job against the batched send, alternating",
    )
    p.add_argument("--profile", action="store_true", help="profile the hot path in process")
    p.add_argument("--profile-journeys", type=int, default=30)
    p.add_argument("--profile-top", type=int, default=30)
    p.add_argument(
        "--pyspy",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="also sample the gunicorn workers with py-spy under load at the largest N",
    )
    p.add_argument("--soak", action="store_true", help="memory soak instead of the HTTP runs")
    p.add_argument("--minutes", type=float, default=20.0, help="soak length")
    p.add_argument("--sessions-total", type=int, default=100_000, help="soak session budget")
    p.add_argument("--soak-sessions", type=int, default=16, help="sessions in flight in a soak")
    p.add_argument("--sample-seconds", type=float, default=5.0, help="soak RSS sampling period")
    p.add_argument("--output", type=Path, default=None, help="JSON results path")
    p.add_argument("--chart", type=Path, default=RESULTS / "throughput.png")
    return p.parse_args(argv)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    mem_kib = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "kernel": platform.release(),
    }
    from importlib import metadata

    for package in ("gunicorn", "granian", "gevent", "uwsgi", "waitress", "flask", "werkzeug"):
        with suppress(metadata.PackageNotFoundError):
            info[package] = metadata.version(package)
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=3) as c:
            row = c.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else "?"
        import redis

        client = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2)
        info["redis"] = client.info("server")["redis_version"]
        client.close()
    except Exception as error:
        info["versions_error"] = type(error).__name__
    return info


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        run = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30, check=False
        )
        return run.stdout.strip()

    dirty = git("status", "--porcelain", "--", "service", "flows", "crypto", "workers", "config")
    return {"commit": git("rev-parse", "--short", "HEAD"), "service_tree_dirty": bool(dirty)}


def run_comparison(
    specs: list[ServerSpec], backends: Backends, levels: list[int], args: argparse.Namespace
) -> dict[str, Any]:
    """Start every contender, then measure them side by side at each level (bench/compare.py)."""
    with ExitStack() as stack:
        contenders: list[compare.Contender] = []
        services: list[compare.Contender] = []

        def add(role: str, app: str, spec: ServerSpec) -> compare.Contender:
            servers = []
            for instance in spec.instances():
                servers.append(start_server(role, app, instance, backends))
                stack.callback(servers[-1].stop)

            def pids() -> list[int]:
                return [pid for server in servers for pid in server.pids()]

            contender = compare.Contender(
                f"{role} / {spec.label}",
                role,
                spec.label,
                servers[0].port,
                pids,
                tuple(server.port for server in servers[1:]),
            )
            contenders.append(contender)
            return contender

        baseline_spec = ServerSpec.parse(compare.BASELINE_SPEC)
        baseline = add("floor", FLOOR_APP, baseline_spec)
        for spec in specs:
            services.append(add("service", SERVICE_APP, spec))
            if args.floors and spec.key != baseline_spec.key:
                add("floor", FLOOR_APP, spec)
        notes = []
        if args.node:
            reference = node_contender(stack, backends, notes)
            if reference is not None:
                contenders.append(reference)
        comparison = []
        for n in levels:
            print(f"  {n} sessions in flight: {len(contenders)} contenders ...", flush=True)
            comparison.append(
                compare.measure_level(contenders, baseline.name, backends.token, n, args)
            )
        return {
            "baseline": baseline.name,
            "levels": comparison,
            "runs": compare.service_runs(comparison, services, args),
            "notes": notes,
        }


def node_contender(
    stack: ExitStack, backends: Backends, notes: list[str]
) -> compare.Contender | None:
    """The Node.js reference (bench/node_reference), or None with a note saying why not."""
    try:
        from bench import node_reference
    except ImportError:
        notes.append("Node.js reference: bench/node_reference.py is missing")
        return None
    reason = node_reference.unavailable()
    if reason is not None:
        notes.append(f"Node.js reference not measured: {reason}")
        print(f"note: {notes[-1]}")
        return None
    logs = backends.home / "logs"
    logs.mkdir(exist_ok=True)
    server = stack.enter_context(
        node_reference.node_server(free_port(), backends.redis_url, backends.token, log_dir=logs)
    )
    label = f"Node.js Express + ussd-menu-builder, {server.label}"
    return compare.Contender(f"reference / {label}", "reference", label, server.port, server.pids)


def time_limit(args: argparse.Namespace, levels: list[int], servers: int) -> int:
    """A generous bound on the whole run; past it the bench stops and cleans up."""
    seconds = 120.0
    if args.soak:
        seconds += args.minutes * 60 + 120
    elif args.sms_wave_compare:
        seconds += args.sms_wave_compare * 2 * (60 + args.sms_wave / 20)
    elif args.worker_only:
        seconds += 300 + max(args.worker_compare, 1) * (args.worker_seconds + 60)
    elif not args.no_load:
        contenders = 2 + 2 * servers
        seconds += 30 * contenders + len(levels) * contenders * (args.warmup + args.duration + 5)
        seconds += 0 if args.no_worker else args.worker_seconds + 180
    if args.profile:
        seconds += 60 + args.profile_journeys * 2
    seconds += args.pyspy + 90 if args.pyspy else 0
    return int(seconds * 1.5)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    levels = [int(x) for x in args.sessions.split(",") if x.strip()]
    try:
        specs = [ServerSpec.parse(s) for s in args.servers.split(",") if s.strip()]
    except (BenchError, ServerSpecError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    output = args.output or RESULTS / ("soak.json" if args.soak else "latest.json")
    limit = time_limit(args, levels, len(specs))

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        raise Interrupted(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
        signal.signal(sig, interrupt)
    signal.alarm(limit)
    command = "python -m bench.run " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "git": git_state(),
        "machine": machine(),
        "config": {
            "sessions": levels,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "journey": args.journey,
            "think_ms": args.think_ms,
            "servers": [s.label for s in specs],
        },
    }
    print(
        f"bench: {results['machine']['nproc']} CPUs, {results['machine']['cpu']}; "
        f"time limit {limit}s; commit {results['git']['commit']}"
        f"{' (service tree dirty)' if results['git']['service_tree_dirty'] else ''}"
    )
    backends: Backends | None = None
    try:
        backends = provision(args.redis_db)
        print(f"provisioned schema {backends.schema}, Redis db {backends.redis_db}")
        if args.soak:
            from bench.soak import print_soak, run_soak

            results["soak"] = run_soak(
                backends,
                specs[0],
                sessions=args.soak_sessions,
                minutes=args.minutes,
                sessions_total=args.sessions_total,
                sample_seconds=args.sample_seconds,
                journey=args.journey,
                with_worker=not args.no_worker,
            )
            print_soak(results["soak"])
        elif args.sms_wave_compare:
            results["sms_wave"] = sms_wave_compare(backends, args)
        elif args.worker_only:
            results["worker"] = worker_only(backends, specs[0], args)
            results["sms_wave"] = sms_wave_part(backends, args)
        elif not args.no_load:
            comparison = run_comparison(specs, backends, levels, args)
            results["comparison"] = comparison
            results["runs"] = comparison["runs"]
            for run in results["runs"]:
                print_run(run)
            compare.print_comparison(comparison["levels"])
            for note in comparison["notes"]:
                print(f"note: {note}")
            results["targets"] = report.evaluate_targets(results["runs"][0])
            report.print_servers(results["runs"])
            report.print_targets(results["targets"])
            print("\n" + report.ascii_bars(results["runs"]))
            drawn = report.chart(results, args.chart)
            results["chart"] = _display_path(drawn) if drawn else None
            print(f"\nchart: {drawn or 'skipped (matplotlib is not installed)'}")
            if args.no_worker:
                results["worker"] = {"status": "skipped", "note": "--no-worker"}
            else:
                results["worker"] = worker_part(backends, args)
                results["sms_wave"] = sms_wave_part(backends, args)
                if results["sms_wave"].get("status") != "skipped":
                    results["targets"].append(report.worker_target(results["sms_wave"]))
                    report.print_targets(results["targets"][-1:])
        if args.pyspy > 0:
            from bench import pyspy

            if pyspy.available():
                results["pyspy"] = pyspy.run_pyspy(
                    backends, specs[0], max(levels or [16]), args.pyspy, args.journey
                )
            else:
                print("note: py-spy is not installed (pip install -e '.[bench]'); skipped")
                results["pyspy"] = {"status": "skipped", "note": "py-spy not installed"}
        if args.profile:
            from bench.profile_hot_path import run_profile

            results["profile"] = run_profile(
                backends,
                journeys=args.profile_journeys,
                top=args.profile_top,
                journey=args.journey,
            )
    except (BenchError, ServerSpecError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"\nstopped ({stop}); cleaning up", file=sys.stderr)
        return 130
    finally:
        signal.alarm(0)
        if backends is not None:
            teardown(backends)
            print(
                f"cleaned up: schema {backends.schema} dropped, Redis db {backends.redis_db} "
                "flushed, servers stopped"
            )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {output}")
    return 0


def _display_path(path: str) -> str:
    resolved = Path(path).resolve()
    return str(resolved.relative_to(REPO)) if resolved.is_relative_to(REPO) else str(resolved)


def print_run(run: dict[str, Any]) -> None:
    report.print_run(run)


def worker_only(backends: Backends, spec: ServerSpec, args: argparse.Namespace) -> dict[str, Any]:
    from bench import worker_compare

    reason = worker_sms.unavailable()
    if reason is not None:
        print(f"\nnote: worker SMS throughput not measured: {reason}")
        return {"status": "skipped", "note": reason}
    rounds = max(args.worker_compare, 1)
    print(f"\nseeding {rounds * args.worker_cases} cases by USSD ({args.journey}) ...", flush=True)
    seeded = worker_compare.seed_cases(backends, spec, args.journey, rounds * args.worker_cases)
    print(f"seeded: {seeded} cases waiting in the outbox", flush=True)
    if args.worker_compare <= 0:
        result = worker_sms.measure(backends, args.worker_seconds, cases=args.worker_cases)
        print(f"worker: {worker_compare._line(result)}")
        return result
    summary = worker_compare.compare(backends, args.worker_seconds, rounds, args.worker_cases)
    if summary["status"] == "ok":
        old, new = summary["fresh_connection"], summary["keep_alive"]
        print(
            f"worker (median of rounds): fresh connection {old['sms_per_s']} SMS/s, "
            f"{old['worker_cpu_ms_per_sms']} ms CPU/SMS; keep-alive {new['sms_per_s']} SMS/s, "
            f"{new['worker_cpu_ms_per_sms']} ms CPU/SMS; ratio {summary['sms_per_s_ratio']}x "
            f"SMS/s, {summary['cpu_ms_ratio']}x CPU/SMS"
        )
    else:
        print(f"note: worker compare: {summary.get('note')}")
    return summary


def _reported(label: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one worker measurement; a failure is printed and returned, not raised: the HTTP
    results already taken still count."""
    try:
        return measure()
    except Exception as error:  # The bench's edge: whatever failed is reported, the run goes on.
        print(f"note: {label} failed: {type(error).__name__}: {error}")
        return {"status": "failed", "note": f"{type(error).__name__}: {error}"}


def worker_part(backends: Backends, args: argparse.Namespace) -> dict[str, Any]:
    reason = worker_sms.unavailable()
    if reason is not None:
        print(f"\nnote: worker SMS throughput not measured: {reason}")
        return {"status": "skipped", "note": reason}
    print(
        "\nworker: relaying the newest cases' jobs, alerting through a fake aggregator ...",
        flush=True,
    )
    result = _reported(
        "worker measurement", lambda: worker_sms.measure(backends, args.worker_seconds)
    )
    if result.get("status") == "ok":
        print(
            f"worker: {result['sms_sent']} SMS in {result['seconds']}s = "
            f"{result['sms_per_s']} SMS/s "
            f"({result['worker_cpu_ms_per_sms']} ms worker CPU per SMS; backlog "
            f"{result['backlog_cases']} cases, {result['jobs_left_in_queue']} jobs left)"
        )
    else:
        print(f"note: worker measurement: {result.get('note')}")
    return result


def sms_wave_part(backends: Backends, args: argparse.Namespace) -> dict[str, Any]:
    from bench import sms_wave

    if args.sms_wave <= 0:
        return {"status": "skipped", "note": "--sms-wave 0"}
    reason = worker_sms.unavailable()
    if reason is not None:
        return {"status": "skipped", "note": reason}
    print(f"\nSMS wave: {args.sms_wave} officer notices, then the worker drains them ...")
    result = _reported("SMS wave", lambda: sms_wave.measure(backends, args.sms_wave))
    print(f"SMS wave: {sms_wave.line(result)}")
    return result


def sms_wave_compare(backends: Backends, args: argparse.Namespace) -> dict[str, Any]:
    from bench import sms_wave

    reason = worker_sms.unavailable()
    if reason is not None:
        print(f"note: SMS wave not measured: {reason}")
        return {"status": "skipped", "note": reason}
    wave = args.sms_wave or 1000
    print(f"SMS wave compare: {args.sms_wave_compare} rounds of {wave} notices per setting")
    summary = sms_wave.compare(backends, wave, args.sms_wave_compare)
    if summary["status"] == "ok":
        names = list(sms_wave.CONFIGS)
        print(
            "SMS wave (median of rounds): "
            + "; ".join(
                f"{name} {summary[name]['sms_per_s']} SMS/s, "
                f"{summary[name]['worker_cpu_ms_per_sms']} ms CPU/SMS"
                for name in names
            )
            + f"; ratio {summary['sms_per_s_ratio']}x"
        )
    else:
        print(f"note: SMS wave compare: {summary.get('note')}")
    return summary


if __name__ == "__main__":
    sys.exit(main())
