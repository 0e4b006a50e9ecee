"""CPU per USSD hop of two git revisions, measured alternately against the same backends.

    python -m bench.hop_ab --base main --head WORKTREE --redis-db 10

Each revision is checked out in a temporary worktree (or used as is when given as a folder);
each round starts one child process per side, in alternating order, that walks full journeys
through Flask's test client (as bench/profile_hot_path.py does) and reports process CPU per
answer hop and per submit (the best of its batches), Redis round trips and SQL statements per
hop. On a shared 2-core machine the ratio of two sides measured in the same minutes is the
figure to trust, not either side's absolute value; `--callgrind` counts instructions per answer
hop instead (two runs per side under valgrind, 4 and 4 + N journeys without the submit, the
difference over N journeys), which the machine's load does not move.

`--base-without MODULE` runs side A as if MODULE were not installed (an optional accelerator
such as `hiredis`): give the same tree to both sides to measure what the module alone is worth.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ANSWER_HOPS = 10  # the plain journey: the dial and nine answers before the send


def _child(journeys: int, batches: int, answers_only: bool = False) -> None:
    """Run in the side's own tree (its modules first on sys.path); print one JSON line."""
    from bench.loadgen import Numbers, journey_inputs
    from bench.profile_hot_path import Instruments
    from config.settings import Settings
    from service.web.app import create_app

    app = create_app(Settings.from_env(dict(os.environ)))
    container = app.extensions["handsoff"]
    client = app.test_client()
    numbers = Numbers()
    token = os.environ["WEBHOOK_TOKEN"]
    hops = len(journey_inputs("plain")) + 1
    # CPU per hop index; the submit (one scrypt PIN digest, tens of ms) is kept apart so it
    # does not drown the answer hops' differences.
    cpu = [[0.0] * hops for _ in range(batches)]

    def walk(batch: list[float] | None, instruments: Instruments | None = None) -> None:
        session_id = "ATUid_" + secrets.token_hex(8)
        phone = numbers.take()
        inputs = journey_inputs("plain")
        text = ""
        for index in range(hops - 1 if answers_only else hops):
            if index:
                text = inputs[index - 1] if not text else f"{text}*{inputs[index - 1]}"
            form = {"sessionId": session_id, "serviceCode": "*123#", "phoneNumber": phone}
            form |= {"networkCode": "63902", "text": text}
            if instruments is not None:
                instruments.current = index
            started = time.process_time()
            response = client.post("/ussd", query_string={"token": token}, data=form)
            if batch is not None:
                batch[index] += time.process_time() - started
            if instruments is not None:
                instruments.current = None
            body = response.get_data(as_text=True)
            if response.status_code != 200 or body[:4] not in ("CON ", "END "):
                raise RuntimeError(f"hop {index} answered {response.status_code}: {body[:40]!r}")

    if answers_only:  # under callgrind: the answer hops only, no timing, no counting
        try:
            for _ in range(journeys):
                walk(None)
        finally:
            container.close()
        return
    try:
        for _ in range(5):
            walk(None)
        instruments = Instruments(hops)
        with instruments.installed(container.engine):
            for _ in range(10):
                walk(None, instruments)
        for batch in cpu:
            for _ in range(journeys):
                walk(batch)
    finally:
        container.close()
    answers = min(sum(b[:-1]) for b in cpu) / (journeys * (hops - 1)) * 1e6
    tallies = instruments.tallies
    print(
        json.dumps(
            {
                "service_file": sys.modules["service"].__file__,
                "us_cpu_per_hop": answers,
                "us_cpu_submit": min(b[-1] for b in cpu) / journeys * 1e6,
                "redis_round_trips_per_hop": sum(t.redis_round_trips for t in tallies)
                / (10 * hops),
                "sql_statements_per_hop": sum(t.sql_statements for t in tallies) / (10 * hops),
                "redis_round_trips_submit": tallies[-1].redis_round_trips / 10,
                "sql_statements_submit": tallies[-1].sql_statements / 10,
            }
        )
    )


def _tree(revision: str, scratch: Path) -> Path:
    if Path(revision).is_dir():
        return Path(revision).resolve()
    path = scratch / revision.replace("/", "_")
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), revision],
        check=True,
        capture_output=True,
    )
    return path


def _instructions(
    tree: Path, env: dict[str, str], journeys: int, scratch: Path, hidden: Sequence[str] = ()
) -> int:
    out = scratch / f"callgrind.{len(hidden)}.{tree.name}.{journeys}"
    prefix = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    _run_side(tree, env, journeys, 1, answers_only=True, prefix=prefix, hidden=hidden)
    for line in out.read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise RuntimeError(f"no summary in {out}")


def _run_side(
    tree: Path,
    env: dict[str, str],
    journeys: int,
    batches: int,
    answers_only: bool = False,
    prefix: list[str] | None = None,
    hidden: Sequence[str] = (),
) -> dict[str, float]:
    side_env = {**env, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    # This file's child, run against that tree's modules (an older tree may lack this file).
    # A module set to None in sys.modules fails to import, as if it were not installed.
    code = (
        f"import sys; sys.modules.update(dict.fromkeys({list(hidden)!r})); "
        f"sys.path.insert(0, {str(tree)!r}); import runpy; "
        f"m = runpy.run_path({str(Path(__file__))!r}); "
        f"m['_child']({journeys}, {batches}, {answers_only})"
    )
    run = subprocess.run(
        [*(prefix or []), sys.executable, "-c", code],
        env=side_env,
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"side {tree} failed:\n{run.stderr[-3000:]}")
    if answers_only:
        return {}
    result: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    if not str(result["service_file"]).startswith(str(tree)):
        raise RuntimeError(f"side {tree} imported {result['service_file']}")
    return result


def main(argv: list[str] | None = None) -> int:
    from bench.stack import provision, teardown

    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--base", default="main", help="revision or folder (A)")
    p.add_argument("--head", default=str(REPO), help="revision or folder (B; default: this tree)")
    p.add_argument("--redis-db", type=int, default=13)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--journeys", type=int, default=40, help="journeys per batch")
    p.add_argument("--batches", type=int, default=3, help="batches per child (best is kept)")
    p.add_argument("--callgrind", type=int, default=0, help="N: instructions per answer hop")
    p.add_argument(
        "--base-without",
        action="append",
        default=[],
        metavar="MODULE",
        help="side A runs as if MODULE were not installed (repeatable)",
    )
    args = p.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="hop-ab-"))
    backends = provision(args.redis_db)
    trees = {}
    try:
        trees = {"A": _tree(args.base, scratch), "B": _tree(args.head, scratch)}
        env = {k: v for k, v in backends.env.items() if k != "PYTHONPATH"}
        if args.callgrind:
            per_hop = {}
            for side, tree in trees.items():
                hidden = args.base_without if side == "A" else []
                low = _instructions(tree, env, 4, scratch, hidden)
                high = _instructions(tree, env, 4 + args.callgrind, scratch, hidden)
                per_hop[side] = (high - low) / (args.callgrind * ANSWER_HOPS)
                print(f"{side} {tree}: {per_hop[side]:,.0f} instructions per answer hop")
            print(f"B/A instructions per answer hop: {per_hop['B'] / per_hop['A']:.3f}")
            return 0
        found: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
        for i in range(args.rounds):
            for side in ("A", "B") if i % 2 == 0 else ("B", "A"):
                hidden = args.base_without if side == "A" else []
                found[side].append(
                    _run_side(trees[side], env, args.journeys, args.batches, hidden=hidden)
                )
                print(f"round {i} {side}: {found[side][-1]['us_cpu_per_hop']:.1f} µs/hop")
        summary = {
            side: {
                "us_cpu_per_hop_median": statistics.median(r["us_cpu_per_hop"] for r in rows),
                "us_cpu_submit_median": statistics.median(r["us_cpu_submit"] for r in rows),
                **{k: v for k, v in rows[-1].items() if k.startswith(("redis", "sql"))},
            }
            for side, rows in found.items()
        }
        ratios = [
            b["us_cpu_per_hop"] / a["us_cpu_per_hop"]
            for a, b in zip(found["A"], found["B"], strict=True)
        ]
        print(f"A {args.base}: {json.dumps(summary['A'])}")
        print(f"B {args.head}: {json.dumps(summary['B'])}")
        print(f"B/A CPU per hop: median {statistics.median(ratios):.3f} (rounds: ", end="")
        print(", ".join(f"{r:.3f}" for r in ratios) + ")")
    finally:
        teardown(backends)
        for tree in trees.values():
            if tree.is_relative_to(scratch):
                subprocess.run(
                    ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                    check=False,
                    capture_output=True,
                )
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
