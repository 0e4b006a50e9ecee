"""The hot path in process: full journeys through Flask's test client against PostgreSQL and Redis.

Three passes over the same journey: a few to warm up, some timed without the profiler (the
server-side cost of each hop, no HTTP), and some under cProfile. Redis round trips and commands,
SQL statements, commits and pool checkouts are counted per hop index, because those are what a
hop pays for beyond CPU.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import secrets
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
import redis.client
import redis.connection
from sqlalchemy import event

from bench.loadgen import CODE, NETWORK_CODE, SERVICE_CODE, Numbers, journey_inputs
from bench.stack import Backends

AT_CALLBACKS = "service/messaging/africastalking/callbacks.py"

# Functions whose cumulative time explains a hop, by (path suffix, name); first match wins.
HOT_SPOTS: tuple[tuple[str, str, str], ...] = (
    ("flask/app.py", "wsgi_app", "whole request in Flask (everything below)"),
    ("service/intake/ussd.py", "handle", "UssdService.handle (lock + hop)"),
    ("service/storage/kv.py", "lock", "session lock (older shape: SET NX, GET+DEL release)"),
    ("service/storage/kv.py", "begin_hop", "lock + read session in one Redis round trip"),
    ("service/storage/kv.py", "end_hop", "writes + unlock in one Redis script"),
    ("service/intake/ussd.py", "_load", "load session record (older shape: GET + decrypt)"),
    ("service/intake/ussd.py", "_open_record", "decrypt the session record"),
    ("service/intake/ussd.py", "_remember", "save session + resume copy (encrypt, write)"),
    ("service/intake/ussd.py", "_callers", "two phone pseudonyms (HMAC) per hop"),
    ("service/intake/ussd.py", "_submit", "submit hop: limit check, intake, enqueue"),
    ("service/intake/reports.py", "submit", "Intake.submit (one SQL transaction)"),
    ("service/intake/reports.py", "_fill", "envelope + seal report/contact"),
    ("service/intake/reports.py", "_new_case", "new case: code sealing"),
    ("crypto/sealing.py", "seal_report", "HPKE seal of the report"),
    ("service/intake/reports.py", "_insert_case", "the case and its outbox row (Core, built once)"),
    (
        "service/queueing/outbox.py",
        "enqueue",
        "Dispatcher.enqueue (with rq the worker's relay does it)",
    ),
    ("service/queueing/job_queue.py", "enqueue", "rq enqueue"),
    ("service/queueing/outbox.py", "_mark_enqueued", "second transaction: mark outbox enqueued"),
    ("flows/engine.py", "step", "flow engine step"),
    ("flows/render.py", "render_ussd", "render the screen"),
    ("flows/render.py", "menu_pages", "paginate menus (measures each candidate page)"),
    ("flows/text_fold.py", "fold_ascii", "fold text to ASCII (per length measurement)"),
    (
        "service/messaging/africastalking/callbacks.py",
        "parse_ussd",
        "parse + validate the callback",
    ),
    ("service/messaging/phone_numbers.py", "normalise_phone", "phonenumbers parse/validate"),
    ("service/web/webhooks.py", "require_token", "token check"),
)


OWN_PACKAGES = ("service", "flows", "crypto", "config")


@dataclass
class Tally:
    """What one hop index cost, summed over journeys."""

    redis_round_trips: int = 0
    redis_commands: Counter[str] = field(default_factory=Counter)
    sql_statements: int = 0
    sql_kinds: Counter[str] = field(default_factory=Counter)
    sql_commits: int = 0
    pool_checkouts: int = 0
    seconds: list[float] = field(default_factory=list)


class Instruments:
    """Counts Redis and SQL traffic per hop index while installed."""

    def __init__(self, hops: int) -> None:
        self.tallies = [Tally() for _ in range(hops)]
        self.current: int | None = None

    def _tally(self) -> Tally | None:
        return None if self.current is None else self.tallies[self.current]

    @contextmanager
    def installed(self, engine: Any) -> Iterator[None]:
        conn_cls = redis.connection.AbstractConnection
        original_send = conn_cls.send_packed_command
        original_exec = redis.Redis.execute_command
        original_pipe = redis.client.Pipeline.execute
        me = self

        def send_packed_command(self: Any, *args: Any, **kwargs: Any) -> Any:
            tally = me._tally()
            if tally is not None:
                tally.redis_round_trips += 1
            return original_send(self, *args, **kwargs)

        def execute_command(self: Any, *args: Any, **options: Any) -> Any:
            tally = me._tally()
            if tally is not None and args:
                tally.redis_commands[str(args[0]).upper()] += 1
            return original_exec(self, *args, **options)

        def pipeline_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
            tally = me._tally()
            if tally is not None:
                names = "+".join(str(c[0][0]).upper() for c in self.command_stack)
                tally.redis_commands[f"PIPELINE({names})"] += 1
            return original_pipe(self, *args, **kwargs)

        def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            tally = me._tally()
            if tally is not None:
                tally.sql_statements += 1
                tally.sql_kinds[_statement_kind(statement)] += 1

        def on_commit(*_: Any) -> None:
            tally = me._tally()
            if tally is not None:
                tally.sql_commits += 1

        def on_checkout(*_: Any) -> None:
            tally = me._tally()
            if tally is not None:
                tally.pool_checkouts += 1

        conn_cls.send_packed_command = send_packed_command  # type: ignore[method-assign]  # patched to count round trips
        redis.Redis.execute_command = execute_command  # type: ignore[method-assign]  # patched to count round trips
        redis.client.Pipeline.execute = pipeline_execute  # type: ignore[method-assign]  # patched to count round trips
        event.listen(engine, "before_cursor_execute", on_execute)
        event.listen(engine, "commit", on_commit)
        event.listen(engine.pool, "checkout", on_checkout)
        try:
            yield
        finally:
            conn_cls.send_packed_command = original_send  # type: ignore[method-assign]  # the patch undone
            redis.Redis.execute_command = original_exec  # type: ignore[method-assign]  # the patch undone
            redis.client.Pipeline.execute = original_pipe  # type: ignore[method-assign]  # the patch undone
            event.remove(engine, "before_cursor_execute", on_execute)
            event.remove(engine, "commit", on_commit)
            event.remove(engine.pool, "checkout", on_checkout)


def _statement_kind(statement: str) -> str:
    """`INSERT cases`, `SELECT cases`, `UPDATE outbox_jobs`: verb and first table, no values."""
    words = statement.replace("\n", " ").split()
    verb = words[0].upper() if words else "?"
    marker = {"INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}.get(verb, "FROM")
    upper = [w.upper() for w in words]
    if marker in upper:
        index = upper.index(marker)
        if index + 1 < len(words):
            return f"{verb} {words[index + 1].strip('(')}"
    return verb


def _journey_runner(
    client: Any, token: str, journey: str, numbers: Numbers
) -> Callable[[Instruments | None], None]:
    def walk(instruments: Instruments | None) -> None:
        session_id = "ATUid_" + secrets.token_hex(8)
        phone = numbers.take()
        inputs = journey_inputs(journey)
        text = ""
        for index in range(len(inputs) + 1):
            if index:
                text = inputs[index - 1] if not text else f"{text}*{inputs[index - 1]}"
            form = {
                "sessionId": session_id,
                "serviceCode": SERVICE_CODE,
                "phoneNumber": phone,
                "networkCode": NETWORK_CODE,
                "text": text,
            }
            if instruments is not None:
                instruments.current = index
            started = time.perf_counter()
            response = client.post("/ussd", query_string={"token": token}, data=form)
            seconds = time.perf_counter() - started
            if instruments is not None:
                instruments.tallies[index].seconds.append(seconds)
                instruments.current = None
            body = response.get_data(as_text=True)
            last = index == len(inputs)
            ok = response.status_code == 200 and (
                (last and body.startswith("END ") and CODE.search(body) is not None)
                or (not last and body.startswith("CON "))
            )
            if not ok:
                raise RuntimeError(f"hop {index} answered {response.status_code}: {body[:60]!r}")

    return walk


def _short(path: str) -> str:
    for marker in ("site-packages/", str(Path(__file__).resolve().parent.parent) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _floor_hop_ms(backends: Backends, hops: int) -> float:
    """The floor's hop in process (test client, one Redis GET and SET): p50 in ms."""
    previous = os.environ.get("REDIS_URL")
    os.environ["REDIS_URL"] = backends.redis_url
    try:
        from bench import floor_app

        client = floor_app.app.test_client()
        form = {"sessionId": "ATUid_floor", "phoneNumber": "+258840000000", "text": ""}
        times = []
        for i in range(hops + 20):
            started = time.perf_counter()
            client.post("/ussd", query_string={"token": backends.token}, data=form)
            if i >= 20:
                times.append(time.perf_counter() - started)
        return round(statistics.median(times) * 1000, 3)
    finally:
        if previous is None:
            os.environ.pop("REDIS_URL", None)
        else:
            os.environ["REDIS_URL"] = previous


def run_profile(
    backends: Backends, *, journeys: int = 30, top: int = 30, journey: str = "plain"
) -> dict[str, object]:
    """Profile `journeys` full journeys in process; print and return the findings."""
    from config.settings import Settings
    from service.web.app import create_app

    settings = Settings.from_env(backends.env)
    app = create_app(settings)
    container = app.extensions["handsoff"]
    client = app.test_client()
    numbers = Numbers()
    walk = _journey_runner(client, backends.token, journey, numbers)
    hops = len(journey_inputs(journey)) + 1
    try:
        for _ in range(3):
            walk(None)
        instruments = Instruments(hops)
        with instruments.installed(container.engine):
            for _ in range(journeys):
                walk(instruments)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(journeys):
            walk(None)
        profiler.disable()
    finally:
        container.close()
    floor_ms = _floor_hop_ms(backends, journeys * hops)
    per_hop = [
        {
            "hop": i,
            "input": "dial" if i == 0 else ("send" if i == hops - 1 else f"answer {i}"),
            "ms_mean": round(statistics.fmean(t.seconds) * 1000, 2),
            "ms_p50": round(statistics.median(t.seconds) * 1000, 2),
            "redis_round_trips": round(t.redis_round_trips / journeys, 2),
            "redis_commands": {k: round(v / journeys, 2) for k, v in t.redis_commands.items()},
            "sql_statements": round(t.sql_statements / journeys, 2),
            "sql_kinds": {k: round(v / journeys, 2) for k, v in t.sql_kinds.items()},
            "sql_commits": round(t.sql_commits / journeys, 2),
            "pool_checkouts": round(t.pool_checkouts / journeys, 2),
        }
        for i, t in enumerate(instruments.tallies)
    ]
    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]  # pstats keeps it undeclared
    total = max((v[3] for v in raw.values()), default=0.0)
    rows = [
        {
            "function": f"{_short(file)}:{line}({name})",
            "calls_per_journey": round(nc / journeys, 1),
            "tottime_ms_per_journey": round(tt * 1000 / journeys, 3),
            "cumtime_ms_per_journey": round(ct * 1000 / journeys, 3),
        }
        for (file, line, name), (_cc, nc, tt, ct, _callers) in raw.items()
    ]
    by_cum = sorted(rows, key=lambda r: -float(r["cumtime_ms_per_journey"]))[:top]  # type: ignore[arg-type]  # rows mix str and float values
    by_tot = sorted(rows, key=lambda r: -float(r["tottime_ms_per_journey"]))[:top]  # type: ignore[arg-type]  # rows mix str and float values
    spots = []
    for suffix, name, meaning in HOT_SPOTS:
        matches = [
            (key, value)
            for key, value in raw.items()
            if key[2] == name and key[0].replace(os.sep, "/").endswith(suffix)
        ]
        if matches:
            ct = sum(v[3] for _, v in matches)
            nc = sum(v[1] for _, v in matches)
            spots.append(
                {
                    "where": f"{suffix}:{name}",
                    "meaning": meaning,
                    "calls_per_journey": round(nc / journeys, 1),
                    "cumtime_ms_per_journey": round(ct * 1000 / journeys, 3),
                }
            )
    own = [
        r
        for (file, _line, _name), r in zip(raw, rows, strict=True)
        if any(f"/{pkg}/" in file.replace(os.sep, "/") for pkg in OWN_PACKAGES)
    ]
    by_own = sorted(own, key=lambda r: -float(r["cumtime_ms_per_journey"]))[:top]  # type: ignore[arg-type]  # rows mix str and float values
    result: dict[str, object] = {
        "journeys": journeys,
        "journey": journey,
        "profiled_ms_per_journey": round(total * 1000 / journeys, 2),
        "floor_ms_p50_in_process": floor_ms,
        "per_hop": per_hop,
        "hot_spots": spots,
        "top_cumulative": by_cum,
        "top_own_code_cumulative": by_own,
        "top_tottime": by_tot,
    }
    print_profile(result)
    return result


def print_profile(result: dict[str, Any]) -> None:
    print(f"\nHot path in process: {result['journeys']} '{result['journey']}' journeys")
    print("\nPer hop (no profiler; Flask test client, real PostgreSQL and Redis):")
    print(
        f"{'hop':>3} {'input':<9} {'ms p50':>7} {'redis rt':>8} {'sql':>5} "
        f"{'commit':>6} {'ckout':>5}"
    )
    for row in result["per_hop"]:
        print(
            f"{row['hop']:>3} {row['input']:<9} {row['ms_p50']:>7.2f} "
            f"{row['redis_round_trips']:>8.1f} {row['sql_statements']:>5.1f} "
            f"{row['sql_commits']:>6.1f} {row['pool_checkouts']:>5.1f}"
        )
    print(f"The floor's hop in process (same test client): {result['floor_ms_p50_in_process']} ms")
    last = result["per_hop"][-1]
    print(f"Redis commands on the submit hop: {last['redis_commands']}")
    print(f"SQL statements on the submit hop: {last['sql_kinds']}")
    print(f"Redis commands on an answer hop: {result['per_hop'][1]['redis_commands']}")
    print(f"Redis commands on the dial: {result['per_hop'][0]['redis_commands']}")
    print(
        f"\nHot spots (cumulative ms per journey, profiled: {result['profiled_ms_per_journey']}):"
    )
    for spot in result["hot_spots"]:
        print(
            f"  {spot['cumtime_ms_per_journey']:>8.2f} ms  "
            f"{spot['calls_per_journey']:>6.1f} calls  "
            f"{spot['where']}  — {spot['meaning']}"
        )
    print("\nTop functions by cumulative time (ms per journey):")
    for row in result["top_cumulative"]:
        print(
            f"  {row['cumtime_ms_per_journey']:>8.2f} {row['tottime_ms_per_journey']:>8.2f} "
            f"{row['calls_per_journey']:>7.1f}  {row['function']}"
        )
    print("\nTop functions of service/, flows/, crypto/ by cumulative time (ms per journey):")
    for row in result["top_own_code_cumulative"]:
        print(
            f"  {row['cumtime_ms_per_journey']:>8.2f} {row['tottime_ms_per_journey']:>8.2f} "
            f"{row['calls_per_journey']:>7.1f}  {row['function']}"
        )
    print("\nTop functions by own time (ms per journey):")
    for row in result["top_tottime"][:15]:
        print(
            f"  {row['tottime_ms_per_journey']:>8.2f} {row['calls_per_journey']:>7.1f}  "
            f"{row['function']}"
        )
