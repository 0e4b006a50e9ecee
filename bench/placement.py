"""Which server process serves each keep-alive connection: how often do N connections share one?

    python -m bench.placement --connections 2 --trials 40

The bench's phones each keep one connection open, as an aggregator may. A server of several
processes pins a connection to the process that accepted it, and who accepts is a race between
the processes. When two of 2 connections land on one process they share its GIL (one core for
both) while the other process idles, which is why a 2-in-flight slice is either fast or slow
(`docs/performance.md`, "Issue 12, third pass"). This counts it directly: the Procfile's server
line, sized by `--server`, runs an app that answers its process id.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Iterable

from bench.servers import ServerSpec, granian_argv
from bench.stack import REPO, free_port

APP = "bench.placement:pid_app"


def pid_app(environ: dict[str, object], start_response: object) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]  # WSGI's callable
    return [str(os.getpid()).encode()]


def _pid(connection: http.client.HTTPConnection) -> str:
    connection.request("GET", "/")
    return connection.getresponse().read().decode()


def shared_counts(port: int, connections: int, trials: int) -> Counter[int]:
    """For each trial, open `connections` keep-alive connections: how many processes served them."""
    counts: Counter[int] = Counter()
    for _ in range(trials):
        opened = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(connections)]
        try:
            pids = [_pid(c) for c in opened]
            if any(_pid(c) != pid for c, pid in zip(opened, pids, strict=True)):
                raise RuntimeError("a keep-alive connection moved to another process")
            counts[len(set(pids))] += 1
        finally:
            for c in opened:
                c.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="granian:2x2", help="granian:WxT")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--trials", type=int, default=40)
    args = parser.parse_args()
    spec = ServerSpec.parse(args.server)
    if spec.kind != "granian":
        parser.error("only granian specs: the Procfile's server")
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
        counts = shared_counts(port, args.connections, args.trials)
    finally:
        process.terminate()
        process.wait(timeout=15)
    print(f"{spec.label}, {args.connections} keep-alive connections, {args.trials} trials:")
    for processes in sorted(counts):
        share = counts[processes] / args.trials
        print(f"  served by {processes} process(es): {counts[processes]} ({share:.0%})")


if __name__ == "__main__":
    main()
