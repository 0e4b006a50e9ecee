"""Which server process serves each keep-alive connection: how often do N connections share one?

    python -m bench.placement --connections 2 --trials 40

The bench's phones each keep one connection open, as an aggregator may. A server of several
processes pins a connection to the process that accepted it. On Linux each granian worker listens
on its own SO_REUSEPORT socket, and the kernel picks the socket by a hash of the connection's
addresses and ports: a coin toss per connection, not a balance. When two of 2 connections land on
one process they share its GIL (one core for both) while the other process idles, which is why a
2-in-flight slice is either fast or slow (`docs/performance.md`, "Issue 12, fourth pass"). This
counts it directly, and prints the splits (8 connections as 4/4, 5/3, 6/2 ...): the Procfile's
server line, sized by `--server`, runs an app that answers its process id.
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


def placement_splits(port: int, connections: int, trials: int) -> Counter[tuple[int, ...]]:
    """For each trial, open `connections` keep-alive connections: how many landed on each process.

    A split is the connections per process, largest first: (5, 3) is five on one, three on the
    other; (8,) all on one.
    """
    splits: Counter[tuple[int, ...]] = Counter()
    for _ in range(trials):
        opened = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(connections)]
        try:
            pids = [_pid(c) for c in opened]
            if any(_pid(c) != pid for c, pid in zip(opened, pids, strict=True)):
                raise RuntimeError("a keep-alive connection moved to another process")
            splits[tuple(sorted(Counter(pids).values(), reverse=True))] += 1
        finally:
            for c in opened:
                c.close()
    return splits


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
        print(f"    {'/'.join(map(str, split))}: {trials} ({trials / args.trials:.0%})")


if __name__ == "__main__":
    main()
