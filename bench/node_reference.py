"""The Node.js reference: the bench's journey on Express + ussd-menu-builder with Redis sessions.

`bench/node_reference/` holds the app (server.js, two cluster processes) and its locked npm
dependencies; `npm ci` installs them there on first use. Like the gunicorn servers of
bench/stack.py, the server runs in its own process group on a loopback port and is stopped by
that group's id. `python -m bench.node_reference --check` walks full journeys through it with
bench/loadgen's own checks (and, with --seconds, drives it, optionally against the floor).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import loadgen
from bench.stack import (
    REDIS_HOST,
    STOP_TIMEOUT,
    BenchError,
    ProcessGroup,
    cpu_seconds,
    free_port,
)

APP_DIR = Path(__file__).resolve().parent / "node_reference"
NODE_MAJOR = 20
INSTALL_TIMEOUT = 300.0
START_TIMEOUT = 30.0
WORKERS = 2  # The service's two server workers on two cores.


def _installed() -> bool:
    """node_modules matches the lock file (npm ci writes its own copy of the lock there)."""
    marker = APP_DIR / "node_modules" / ".package-lock.json"
    lock = APP_DIR / "package-lock.json"
    return marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime


def install() -> None:
    """Check node and npm, then `npm ci` into bench/node_reference/ unless already done."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise BenchError("node and npm are needed for the Node.js reference (not on PATH)")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    try:
        major = int(version.lstrip("v").split(".")[0])
    except ValueError:
        raise BenchError(f"cannot read node's version ({version!r})") from None
    if major < NODE_MAJOR:
        raise BenchError(f"the Node.js reference needs node >= {NODE_MAJOR} (found {version})")
    if _installed():
        return
    try:
        run = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=APP_DIR,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"npm ci did not finish in {INSTALL_TIMEOUT:.0f}s") from None
    if run.returncode != 0:
        tail = "\n".join((run.stdout + run.stderr).splitlines()[-10:])
        raise BenchError(f"npm ci failed in {APP_DIR}:\n{tail}")


@functools.cache
def unavailable() -> str | None:
    """Why the reference cannot run here (node/npm missing, install failed), or None."""
    try:
        install()
    except (BenchError, OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    return None


@dataclass
class NodeServer(ProcessGroup):
    """The running reference: the cluster primary (its own process group) and its workers."""

    label: str = f"node cluster x{WORKERS}"


def _ready(server: NodeServer, workers: int) -> bool:
    """/healthz answers and every worker has started (the primary forks them one by one)."""
    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:  # noqa: S310 - our own local server
            if response.status != 200:
                return False
    except OSError:
        return False
    return len(server.pids()) >= 1 + workers


@contextlib.contextmanager
def node_server(
    port: int, redis_url: str, token: str, *, log_dir: Path, workers: int = WORKERS
) -> Iterator[NodeServer]:
    """Install if needed, serve on 127.0.0.1:`port`, wait until it answers, yield, stop."""
    install()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"node-{port}.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "REDIS_URL": redis_url,
        "WEBHOOK_TOKEN": token,
        "NODE_WORKERS": str(workers),
        "NODE_ENV": "production",
    }
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            ["node", "server.js"],
            cwd=APP_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = NodeServer(name="node", port=port, process=process, log_path=log_path)
    server.label = f"node cluster x{workers}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _ready(server, workers):
            if process.poll() is not None:
                raise BenchError(f"the Node.js reference exited at start:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"the Node.js reference did not answer in {START_TIMEOUT:.0f}s")
            time.sleep(0.2)
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def _floor(port: int, redis_url: str, log_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """bench/floor_app.py under the fixed floor's server (gunicorn, 2 sync workers), for --check."""
    from bench.servers import ServerSpec, gunicorn_argv
    from bench.stack import FLOOR_APP, REPO

    argv = gunicorn_argv(ServerSpec.parse("sync:2"), FLOOR_APP, port, log_dir / "floor.access.log")
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(REPO)}
    with (log_dir / "floor.log").open("wb") as log_file:
        process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise BenchError("the floor did not start") from None
                time.sleep(0.2)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT)


def _walk_one(target: loadgen.Target) -> loadgen.Recorder:
    """One complete session through loadgen's own client and answer checks."""
    recorder = loadgen.Recorder(loadgen.hops_per_session(target.journey))

    async def walk() -> None:
        conn = loadgen.Connection("127.0.0.1", target.port)
        try:
            await loadgen.run_session(target, conn, loadgen.Numbers(), recorder)
        finally:
            await conn.close()

    asyncio.run(walk())
    return recorder


def _pids_of(process: subprocess.Popen[bytes]) -> list[int]:
    import psutil

    root = psutil.Process(process.pid)
    return [root.pid, *(c.pid for c in root.children(recursive=True))]


def check(redis_db: int, seconds: float, levels: list[int], with_floor: bool) -> int:
    """Walk both journeys once (loadgen's checks), then optionally drive each level."""
    import redis

    redis_url = f"{REDIS_HOST}/{redis_db}"
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    if client.dbsize():
        raise BenchError(f"Redis database {redis_db} is not empty (pick another with --redis-db)")
    token = secrets.token_urlsafe(30)
    log_dir = Path(tempfile.mkdtemp(prefix="handsoff-node-ref-"))
    failed = 0
    try:
        with node_server(free_port(), redis_url, token, log_dir=log_dir) as server:
            for journey in loadgen.JOURNEYS:
                target = loadgen.Target("node", server.port, token, journey=journey)
                walked = _walk_one(target)
                ok = walked.sessions == 1 and not walked.errors
                failed += not ok
                print(
                    f"{journey}: {len(walked.latencies)}/{loadgen.hops_per_session(journey)} hops,"
                    f" {'accepted' if ok else 'REJECTED'} by loadgen's checks"
                    + ("" if ok else f" {dict(walked.errors)}")
                )
            if seconds > 0:
                failed += _drive(server, token, redis_url, log_dir, seconds, levels, with_floor)
    finally:
        client.flushdb()  # Only the bench's own database, checked empty above.
        client.close()
        shutil.rmtree(log_dir, ignore_errors=True)
    return 1 if failed else 0


def _drive(
    server: NodeServer,
    token: str,
    redis_url: str,
    log_dir: Path,
    seconds: float,
    levels: list[int],
    with_floor: bool,
) -> int:
    """Drive node (and the floor, alternating) at each level; print hops/s and CPU ms per hop."""
    errors = 0
    with contextlib.ExitStack() as stack:
        apps: list[tuple[str, loadgen.Target, list[int]]] = [
            ("node", loadgen.Target("node", server.port, token), server.pids())
        ]
        if with_floor:
            port = free_port()
            floor = stack.enter_context(_floor(port, redis_url, log_dir))
            apps.append(("floor", loadgen.Target("floor", port, token), _pids_of(floor)))
        for level in levels:
            results: dict[str, float] = {}
            for name, target, pids in apps:
                before = cpu_seconds(pids)
                rec = loadgen.run(target, level, seconds, warmup=2.0)
                cpu = cpu_seconds(pids) - before
                summary = rec.summary()
                hops = len(rec.latencies)
                errors += rec.errors.total()
                results[name] = hops / rec.elapsed
                row = {
                    "app": name,
                    "N": level,
                    **{k: summary[k] for k in ("hops_per_s", "p50_ms", "p99_ms", "errors")},
                    "cpu_ms_per_hop": round(cpu * 1000 / max(hops, 1), 3),
                }
                print(json.dumps(row))
            if with_floor and results.get("floor"):
                print(f"N={level}: node/floor hops/s = {results['node'] / results['floor']:.2f}")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.node_reference", description=__doc__)
    parser.add_argument("--check", action="store_true", help="walk full journeys through it")
    parser.add_argument("--redis-db", type=int, default=12, help="an empty Redis database")
    parser.add_argument("--seconds", type=float, default=0.0, help="then drive each level")
    parser.add_argument("--sessions", default="2,8", help="levels for --seconds (2,8)")
    parser.add_argument("--floor", action="store_true", help="also drive the floor, for a ratio")
    args = parser.parse_args(argv)
    if not args.check:
        parser.print_help()
        return 2
    reason = unavailable()
    if reason:
        print(f"Node.js reference unavailable: {reason}", file=sys.stderr)
        return 1
    levels = [int(n) for n in args.sessions.split(",") if n.strip()]
    try:
        return check(args.redis_db, args.seconds, levels, args.floor)
    except BenchError as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
