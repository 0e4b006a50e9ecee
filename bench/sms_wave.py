"""`--sms-wave N`: the worker's SMS path alone, as an escalation wave puts it to work.

N officer notices are written the way the casework writes them (sealed rows through
`OutboundWriter`, send jobs through `SmsDispatcher`, on the worker's own keys) while no worker
runs; then `handsoff worker` starts against the fake aggregator and drains them. The rate is
SMS accepted by the aggregator per second, from the first to the last, and the worker's CPU per
SMS over the same window. Nothing else is queued, so this is the path item 3 of issue 12 names:
rq's job, the claim (attempt recorded first), opening the row, the SDK's call, the result.

`--sms-wave-compare ROUNDS` alternates configurations (bench/sms_wave.py CONFIGS) on fresh waves.
"""

from __future__ import annotations

import time
from typing import Any

from bench import worker_sms
from bench.stack import Backends, cpu_seconds

NOTICE = "HandsOff: caso {code} precisa de atencao. Responda OK {code}."
WRITE_BATCH = 200
# Worker settings compared by --sms-wave-compare, as environment variables (each a real switch).
CONFIGS: dict[str, dict[str, str]] = {
    "one_per_job": {"HANDSOFF_SMS_BATCH": "1"},
    "batched": {},
}


def write_wave(backends: Backends, count: int) -> list[int]:
    """Seal `count` notices to the bench officers and enqueue their send jobs; their ids."""
    from config.settings import Settings
    from service.bootstrap.worker import build_worker
    from service.messaging.outbound import OFFICER

    fake = worker_sms._fake_module()
    if fake is None:
        raise RuntimeError("tests/support/fake_aggregator.py is missing")
    env = {
        **backends.env,
        "HANDSOFF_HOME": str(backends.worker_home),
        "AT_USERNAME": fake.USERNAME,
        "AT_API_KEY": fake.API_KEY,
        "AT_API_BASE_URL": "http://127.0.0.1:9",  # never called: this process only writes
    }
    context = build_worker(Settings.from_env(env))
    phones = [phone for _, phone, _, _ in worker_sms.OFFICERS]
    ids: list[int] = []
    try:
        for start in range(0, count, WRITE_BATCH):
            batch: list[int] = []
            with context.sessions.begin() as db:
                for index in range(start, min(start + WRITE_BATCH, count)):
                    row = context.outbound.add(
                        db,
                        recipient=phones[index % len(phones)],
                        body=NOTICE.format(code=f"{index:09d}"),
                        purpose="coordinator_notice",
                        audience=OFFICER,
                    )
                    batch.append(row.id)
            context.sms.enqueue(batch)
            ids.extend(batch)
    finally:
        context.engine.dispose()
    return ids


def measure(
    backends: Backends, count: int, extra_env: dict[str, str] | None = None, timeout: float = 300
) -> dict[str, Any]:
    """Write a wave of `count`, start the worker, time the drain."""
    write_wave(backends, count)
    with worker_sms.running_worker(backends, extra_env, add_officers=False) as worker:
        silent = worker_sms.wait_for_first_sms(worker)
        if silent is not None:
            return silent
        pids = worker.pids()
        cpu_start = cpu_seconds(pids)
        start, first = time.monotonic(), worker.sent()
        end = start + timeout
        while worker.sent() < count and time.monotonic() < end:
            time.sleep(0.01)
        elapsed = time.monotonic() - start
        cpu = cpu_seconds(pids) - cpu_start
        sent = worker.sent() - first
        requests = worker.fake.requests
        connections = worker.fake.connections
    return {
        "status": "ok" if sent + first >= count else "incomplete",
        "wave": count,
        "sms_sent": sent,
        "seconds": round(elapsed, 3),
        "sms_per_s": round(sent / max(elapsed, 1e-9), 1),
        "worker_cpu_ms_per_sms": round(cpu * 1000 / max(sent, 1), 3),
        "aggregator_requests": requests,
        "aggregator_connections": connections,
    }


def compare(backends: Backends, count: int, rounds: int) -> dict[str, Any]:
    """Alternate CONFIGS round by round (A B A B ...), each on a fresh wave; medians, ratio."""
    names = list(CONFIGS)
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for index in range(rounds * len(names)):
        name = names[index % len(names)]
        result = measure(backends, count, CONFIGS[name])
        print(f"  round {index // len(names) + 1} {name}: {line(result)}", flush=True)
        samples[name].append(result)
    return {**worker_sms.medians_of_rounds(samples), "wave": count}


def line(result: dict[str, Any]) -> str:
    if result.get("status") != "ok":
        return f"{result.get('status')}: {result.get('note', '')} {result.get('sms_sent', '')}"
    return (
        f"{result['sms_sent']} SMS in {result['seconds']}s = {result['sms_per_s']} SMS/s, "
        f"{result['worker_cpu_ms_per_sms']} ms worker CPU/SMS, "
        f"{result['aggregator_requests']} API calls, "
        f"{result['aggregator_connections']} TCP connections"
    )
