"""Which server process serves each keep-alive connection: how often do N connections share one?

    python -m bench.placement --connections 2 --trials 40
    python -m bench.placement --service --connections 2 --trials 12 --redis-db 10

The bench's phones each keep one connection open, as an aggregator may. A server of several
processes pins a connection to the process that accepted it. On Linux each granian worker listens
on its own SO_REUSEPORT socket, and the kernel picks the socket by a hash of the connection's
addresses and ports: a coin toss per connection, not a balance. When two of 2 connections land on
one process they share its GIL (one core for both) while the other process idles, which is why a
2-in-flight slice is either fast or slow (`docs/performance.md`, "Issue 12, fourth pass"). This
counts it directly, and prints the splits (8 connections as 4/4, 5/3, 6/2 ...): the Procfile's
server line, sized by `--server`, runs an app that answers its process id. `--service` runs the
real service instead (bench backends, full report journeys) and, in each trial, reads which
server process holds each of the phones' connections (`ss`), next to the hops/s of that trial.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Iterable

from bench import loadgen
from bench.servers import ServerSpec, granian_argv
from bench.stack import REPO, free_port, provision, start_server, teardown

APP = "bench.placement:pid_app"


def pid_app(environ: dict[str, object], start_response: object) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]  # WSGI's callable
    return [str(os.getpid()).encode()]


def split_of(pids: list[str]) -> tuple[int, ...]:
    """Connections per process, largest first: (5, 3) is five on one, three on the other."""
    return tuple(sorted(Counter(pids).values(), reverse=True))


def _shown(split: tuple[int, ...]) -> str:
    return "/".join(map(str, split))


def _pid(connection: http.client.HTTPConnection) -> str:
    connection.request("GET", "/")
    return connection.getresponse().read().decode()


def placement_splits(port: int, connections: int, trials: int) -> Counter[tuple[int, ...]]:
    """Per trial, open `connections` keep-alive connections: how many landed on each process."""
    splits: Counter[tuple[int, ...]] = Counter()
    for _ in range(trials):
        opened = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(connections)]
        try:
            pids = [_pid(c) for c in opened]
            if any(_pid(c) != pid for c, pid in zip(opened, pids, strict=True)):
                raise RuntimeError("a keep-alive connection moved to another process")
            splits[split_of(pids)] += 1
        finally:
            for c in opened:
                c.close()
    return splits


def _server_pids(port: int) -> list[str]:
    """The process ids holding the established connections to `port`, one per connection."""
    listing = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    return re.findall(r"pid=(\d+)", listing)


def service_by_placement(
    spec: ServerSpec, connections: int, trials: int, seconds: float, redis_db: int
) -> list[tuple[tuple[int, ...], float]]:
    """The real service under `spec`: per trial, the connections' split and the hops/s."""
    if shutil.which("ss") is None:
        raise SystemExit("`ss` (iproute2) is needed to see which process holds a connection")
    backends = provision(redis_db)
    server = None
    try:
        server = start_server("service", "service.web.wsgi:app", spec, backends)
        target = loadgen.Target("service", server.port, backends.token)

        async def trial() -> tuple[tuple[int, ...], float]:
            drive = asyncio.create_task(loadgen.drive(target, connections, seconds))
            await asyncio.sleep(seconds / 2)
            # In a thread: the phones keep walking while `ss` runs.
            pids = await asyncio.to_thread(_server_pids, target.port)
            recorder = await drive
            if recorder.errors:
                raise RuntimeError(f"the service answered wrongly: {dict(recorder.errors)}")
            if len(pids) != connections:
                raise RuntimeError(f"saw {len(pids)} connections, not {connections}")
            return split_of(pids), len(recorder.latencies) / recorder.elapsed

        loadgen.run(target, connections, seconds)  # warm up: pools, caches, first keys
        return [asyncio.run(trial()) for _ in range(trials)]
    finally:
        if server is not None:
            server.stop()
        teardown(backends)


def _print_service(spec: ServerSpec, results: list[tuple[tuple[int, ...], float]]) -> None:
    print(f"service under {spec.label}, {len(results)} trials (split: hops/s of each trial):")
    by_split: dict[tuple[int, ...], list[float]] = {}
    for split, rate in results:
        by_split.setdefault(split, []).append(rate)
    for split in sorted(by_split):
        rates = ", ".join(f"{rate:.0f}" for rate in by_split[split])
        print(f"  {_shown(split)}: {rates}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="granian:2x2", help="granian:WxT")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--service", action="store_true", help="the real service, with hops/s")
    parser.add_argument("--seconds", type=float, default=3.0, help="per --service trial")
    parser.add_argument("--redis-db", type=int, default=10, help="an empty Redis database")
    args = parser.parse_args()
    spec = ServerSpec.parse(args.server)
    if spec.kind != "granian":
        parser.error("only granian specs: the Procfile's server")
    if args.service:
        results = service_by_placement(
            spec, args.connections, args.trials, args.seconds, args.redis_db
        )
        _print_service(spec, results)
        return
    port = free_port()
    process = subprocess.Popen(
        granian_argv(spec, APP, port),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        splits = placement_splits(port, args.connections, args.trials)
    finally:
        process.terminate()
        process.wait(timeout=15)
    print(f"{spec.label}, {args.connections} keep-alive connections, {args.trials} trials:")
    used: Counter[int] = Counter()
    for split, trials in splits.items():
        used[len(split)] += trials
    for processes in sorted(used):
        share = used[processes] / args.trials
        print(f"  served by {processes} process(es): {used[processes]} ({share:.0%})")
    print("  connections per process (largest first):")
    for split, trials in sorted(splits.items(), key=lambda item: item[0]):
        print(f"    {_shown(split)}: {trials} ({trials / args.trials:.0%})")


if __name__ == "__main__":
    main()
