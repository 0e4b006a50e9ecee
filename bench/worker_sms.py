"""The worker side, when it exists: `handsoff worker` sending SMS to a local fake aggregator.

Optional by design: if the CLI has no `worker` command or tests/support/fake_aggregator.py is
missing, `unavailable()` says why and the bench prints it and goes on.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from bench.stack import REPO, Backends, cpu_seconds, handsoff_command, handsoff_has

QUEUE_KEYS = ("rq:queue:handsoff-urgent", "rq:queue:handsoff")
WORKER_CASES = 500  # outbox rows left for the worker to relay, assign and alert
# The bench journeys are Sofala (5), help: health; the urgent variant may escalate. An officer
# gets at most ALERTS_PER_HOUR (20) alerts an hour (service/casework/alert_budget.py), so the
# bench registers enough health liaisons for every case it measures to be alerted, not capped.
HEALTH_OFFICERS = 60


def _letters(i: int) -> str:
    """A name part without digits (officer names refuse them): 1 -> "Ab", 2 -> "Ac", ..."""
    return chr(ord("A") + i // 26) + chr(ord("a") + i % 26)


OFFICERS = (
    *(
        (f"Bench Health {_letters(i)}", f"+25884100{i:04d}", "sofala", "health_liaison")
        for i in range(1, HEALTH_OFFICERS + 1)
    ),
    ("Bench Psychosocial", "+258841009001", "sofala", "psychosocial"),
    ("Bench Coordinator", "+258841009002", "sofala", "coordinator"),
)


def _fake_module() -> ModuleType | None:
    if not (REPO / "tests" / "support" / "fake_aggregator.py").exists():
        return None
    try:
        import tests.support.fake_aggregator as fake
    except Exception:
        return None
    return fake


def unavailable() -> str | None:
    """None when the worker can be measured, else the reason it cannot."""
    if _fake_module() is None:
        return "tests/support/fake_aggregator.py is missing or does not import"
    if not handsoff_has("worker"):
        return "the `handsoff worker` command does not exist yet"
    if not handsoff_has("officer"):
        return "the `handsoff officer` command does not exist yet (no one to alert)"
    return None


@dataclass
class RunningWorker:
    process: subprocess.Popen[bytes]
    fake: Any
    log_path: str

    def sent(self) -> int:
        return len(self.fake.sent)

    def pids(self) -> list[int]:
        import psutil

        try:
            root = psutil.Process(self.process.pid)
            return [root.pid, *(c.pid for c in root.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []


def _worker_env(
    backends: Backends, fake: Any, module: ModuleType, extra: dict[str, str]
) -> dict[str, str]:
    return {
        **backends.env,
        # The worker and the officer commands run with the worker's keys, as on its own host.
        "HANDSOFF_HOME": str(backends.worker_home),
        "AT_USERNAME": module.USERNAME,
        "AT_API_KEY": module.API_KEY,
        "AT_API_BASE_URL": fake.base_url,
        **extra,
    }


def _add_officers(env: dict[str, str]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda officer: _add_officer(env, *officer), OFFICERS))


def _add_officer(env: dict[str, str], name: str, phone: str, province: str, role: str) -> None:
    run = subprocess.run(
        [
            *handsoff_command(),
            "officer",
            "add",
            "--name",
            name,
            "--phone",
            phone,
            "--province",
            province,
            "--role",
            role,
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"handsoff officer add failed: {run.stderr.strip()[-300:]}")


@contextmanager
def running_worker(
    backends: Backends, extra_env: dict[str, str] | None = None, add_officers: bool = True
) -> Iterator[RunningWorker]:
    """A fake aggregator in this process, officers registered, `handsoff worker` started."""
    module = _fake_module()
    assert module is not None
    fake = module.FakeAggregator()
    with fake.running():
        env = _worker_env(backends, fake, module, extra_env or {})
        if add_officers:
            _add_officers(env)
        log_path = backends.home / "logs" / "worker.log"
        log_path.parent.mkdir(exist_ok=True)
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [*handsoff_command(), "worker"],
                env=env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = RunningWorker(process, fake, str(log_path))
        try:
            yield worker
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)  # rq: warm shutdown after the current job
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass


def wait_for_first_sms(worker: RunningWorker, seconds: float = 90) -> dict[str, Any] | None:
    """Wait until the worker has sent its first SMS: None, or a failed result with its log."""
    deadline = time.monotonic() + seconds
    while worker.sent() == 0 and time.monotonic() < deadline:
        if worker.process.poll() is not None:
            break
        time.sleep(0.01)
    if worker.sent():
        return None
    with open(worker.log_path, errors="replace") as log:
        return {"status": "failed", "note": "no SMS sent", "log": log.read()[-1500:]}


def medians_of_rounds(samples: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per configuration, the median SMS rate and CPU per SMS of its rounds that succeeded, and
    the second configuration's ratios to the first (`status` "failed" if one has none)."""
    names = list(samples)
    summary: dict[str, Any] = {"status": "ok", "rounds": samples}
    for name in names:
        ok = [r for r in samples[name] if r.get("status") == "ok"]
        if not ok:
            return {**summary, "status": "failed", "note": f"no {name} round succeeded"}
        summary[name] = {
            "sms_per_s": round(statistics.median(r["sms_per_s"] for r in ok), 1),
            "worker_cpu_ms_per_sms": round(
                statistics.median(r["worker_cpu_ms_per_sms"] for r in ok), 3
            ),
        }
    old, new = summary[names[0]], summary[names[1]]
    summary["sms_per_s_ratio"] = round(new["sms_per_s"] / max(old["sms_per_s"], 1e-9), 2)
    summary["cpu_ms_ratio"] = round(
        new["worker_cpu_ms_per_sms"] / max(old["worker_cpu_ms_per_sms"], 1e-9), 2
    )
    return summary


def _queued(client: Any) -> int:
    return sum(int(client.llen(key)) for key in QUEUE_KEYS)


def keep_newest_cases(backends: Backends, cases: int) -> int:
    """Leave only the newest `cases` outbox rows undone; returns how many are left to do.

    The web leaves every new case's job waiting in the outbox for the worker's relay, so after
    the USSD runs the worker starts with thousands of assignments queued before its first SMS.
    The rest are marked done (in the bench's own schema) so the SMS rate is measured in seconds.
    """
    import psycopg

    with psycopg.connect(backends.database_url, autocommit=True) as connection:
        connection.execute(
            "UPDATE outbox SET done_at = now() WHERE done_at IS NULL AND id NOT IN"
            " (SELECT id FROM outbox WHERE done_at IS NULL ORDER BY id DESC LIMIT %s)",
            (cases,),
        )
        row = connection.execute("SELECT count(*) FROM outbox WHERE done_at IS NULL").fetchone()
    return int(row[0]) if row else 0


def measure(
    backends: Backends,
    seconds: float,
    cases: int = WORKER_CASES,
    extra_env: dict[str, str] | None = None,
    first: bool = True,
) -> dict[str, Any]:
    """The worker relays the newest cases' jobs and sends their alerts: SMS accepted per second.

    `first`: officers are registered once per schema; later rounds reuse them.
    """
    client = backends.redis()
    backlog = keep_newest_cases(backends, cases)
    with running_worker(backends, extra_env, add_officers=first) as worker:
        silent = wait_for_first_sms(worker)
        if silent is not None:
            return {**silent, "backlog_cases": backlog}
        pids = worker.pids()
        cpu_start = cpu_seconds(pids)
        start, first = time.monotonic(), worker.sent()
        idle_since = None
        last = first
        end = start + seconds
        while time.monotonic() < end:
            time.sleep(0.25)
            now_sent = worker.sent()
            if now_sent == last and _queued(client) == 0:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > 2:
                    break
            else:
                idle_since = None
            last = now_sent
        elapsed = (idle_since or time.monotonic()) - start
        sent = worker.sent() - first
        cpu = cpu_seconds(pids) - cpu_start
        left = _queued(client)
        connections = worker.fake.connections
    client.close()
    return {
        "status": "ok",
        "backlog_cases": backlog,
        "sms_sent": sent,
        "seconds": round(elapsed, 2),
        "sms_per_s": round(sent / max(elapsed, 1e-9), 1),
        "worker_cpu_ms_per_sms": round(cpu * 1000 / max(sent, 1), 2),
        "jobs_left_in_queue": left,
        "drained": left == 0,
        "aggregator_connections": connections,
    }
