"""`--worker-only` / `--worker-compare`: seed cases by a short USSD load, then measure the worker.

The compare mode measures the worker with and without keep-alive to the aggregator, in
alternating rounds (A B A B ...), each on its own block of fresh cases, in one run on one
machine: the ratio of the medians is the figure to read (the machine is shared).
"""

from __future__ import annotations

import time
from typing import Any

from bench import loadgen, worker_sms
from bench.stack import SERVICE_APP, Backends, ServerSpec, start_server

# The old path: the SDK's fresh connection per SMS (AT_NO_KEEPALIVE=1).
CONFIGS = {"fresh_connection": {"AT_NO_KEEPALIVE": "1"}, "keep_alive": {}}


def seed_cases(backends: Backends, spec: ServerSpec, journey: str, wanted: int) -> int:
    """Run USSD sessions against the service until `wanted` cases wait in the outbox."""
    server = start_server("service", SERVICE_APP, spec, backends)
    try:
        target = loadgen.Target("service", server.port, backends.token, journey, 0.0)
        deadline = time.monotonic() + 360
        while _undone(backends) < wanted and time.monotonic() < deadline:
            loadgen.run(target, 16, 5.0)
    finally:
        server.stop()
    return _undone(backends)


def _undone(backends: Backends) -> int:
    import psycopg

    with psycopg.connect(backends.database_url, autocommit=True) as connection:
        row = connection.execute("SELECT count(*) FROM outbox WHERE done_at IS NULL").fetchone()
    return int(row[0]) if row else 0


def _blocks(backends: Backends, rounds: int, cases: int) -> list[list[int]]:
    """Split the newest rounds*cases waiting outbox rows in blocks; park all of them (done)."""
    import psycopg

    with psycopg.connect(backends.database_url, autocommit=True) as connection:
        ids = [
            int(r[0])
            for r in connection.execute(
                "SELECT id FROM outbox WHERE done_at IS NULL ORDER BY id DESC LIMIT %s",
                (rounds * cases,),
            ).fetchall()
        ]
        # Everything is parked; each round reopens only its own block.
        connection.execute("UPDATE outbox SET done_at = now() WHERE done_at IS NULL")
    # Fewer seeded than asked (a slow machine): equal blocks of what there is.
    size = min(cases, len(ids) // rounds)
    return [ids[i * size : (i + 1) * size] for i in range(rounds)]


def _reopen(backends: Backends, block: list[int]) -> None:
    import psycopg

    with psycopg.connect(backends.database_url, autocommit=True) as connection:
        connection.execute(
            "UPDATE outbox SET done_at = NULL WHERE id = ANY(%s) AND enqueued_at IS NULL",
            (block,),
        )


def compare(backends: Backends, seconds: float, rounds: int, cases: int) -> dict[str, Any]:
    """Alternate the configurations over `rounds` rounds; medians and their ratio."""
    blocks = _blocks(backends, rounds, cases)
    names = list(CONFIGS)
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for index, block in enumerate(blocks):
        name = names[index % len(names)]
        _reopen(backends, block)
        result = worker_sms.measure(
            backends, seconds, cases=len(block), extra_env=CONFIGS[name], first=index == 0
        )
        print(f"  round {index + 1} {name}: {_line(result)}", flush=True)
        samples[name].append(result)
    return worker_sms.medians_of_rounds(samples)


def _line(result: dict[str, Any]) -> str:
    if result.get("status") != "ok":
        return f"failed: {result.get('note')}"
    return (
        f"{result['sms_sent']} SMS in {result['seconds']}s = {result['sms_per_s']} SMS/s, "
        f"{result['worker_cpu_ms_per_sms']} ms worker CPU/SMS, "
        f"{result['aggregator_connections']} TCP connections"
    )
