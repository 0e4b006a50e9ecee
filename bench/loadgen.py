"""Walk complete USSD report sessions over keep-alive HTTP, exactly as the aggregator calls us.

Each of N "phones" is a coroutine with its own persistent connection that runs one session after
another: a fresh sessionId and a fresh Mozambican number (+25884XXXXXXX) per session, hops strictly
in order, `text` accumulating with `*`. The floor gets the same number of hops per "session".
The HTTP/1.1 client is a few lines over asyncio streams so that the generator costs little CPU
next to the server on the same two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

CODE = re.compile(r"\b\d{9}\b")
HOP_TIMEOUT = 15.0
SERVICE_CODE = "*123#"
NETWORK_CODE = "63902"
DESCRIPTIONS = ("bateu me no mercado", "levou o meu telefone", "ameacou me na rua")

# From the main menu to the send menu: report, forced sex, not in danger (today), client, Sofala,
# help: health, contact: none; then "add a few words", <description>, <pin> (the PIN sends it).
# See tests/support/journeys.py and docs/flows.md.
PLAIN = ("1", "1", "2", "1", "5", "1", "3")
# The heavier variant: danger yes (an urgent commit, then contact by SMS and Sofala, which alert
# at once), past the alert screen, then when, who, help.
URGENT = ("1", "1", "1", "1", "5", "1", "1", "1", "1")
JOURNEYS = {"plain": PLAIN, "urgent": URGENT}
ADD_WORDS = "2"


def journey_inputs(kind: str) -> list[str]:
    """The answers after the dial, for one session: menus, a few words, a 4-digit PIN (sends)."""
    pin = f"{secrets.randbelow(10000):04d}"
    return [*JOURNEYS[kind], ADD_WORDS, secrets.choice(DESCRIPTIONS), pin]


def hops_per_session(kind: str) -> int:
    return 1 + len(journey_inputs(kind))


class Numbers:
    """Fresh, distinct, valid Vodacom Mozambique numbers: +25884 and 7 digits, never repeated."""

    SPACE = 10_000_000
    STRIDE = 7_368_787  # Coprime with SPACE: walks every number once, in a scattered order.

    def __init__(self) -> None:
        self._next = secrets.randbelow(self.SPACE)

    def take(self) -> str:
        self._next = (self._next + self.STRIDE) % self.SPACE
        return f"+25884{self._next:07d}"


@dataclass
class Recorder:
    """Latencies (seconds) of every hop and per hop index, errors by kind."""

    hops_per_session: int
    latencies: array[float] = field(default_factory=lambda: array("d"))
    by_hop: list[array[float]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    sessions: int = 0
    seconds: float = 0.0  # wall time measured (summed over merged slices)

    def __post_init__(self) -> None:
        self.by_hop = [array("d") for _ in range(self.hops_per_session)]

    def hop(self, index: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.by_hop[index].append(seconds)

    @property
    def elapsed(self) -> float:
        return max(self.seconds, 1e-9)

    def merge(self, other: Recorder) -> None:
        """Add another slice of the same app and journey to this one."""
        self.latencies.extend(other.latencies)
        for mine, theirs in zip(self.by_hop, other.by_hop, strict=True):
            mine.extend(theirs)
        self.errors.update(other.errors)
        self.sessions += other.sessions
        self.seconds += other.seconds

    def summary(self) -> dict[str, object]:
        hops = len(self.latencies)
        last = self.by_hop[-1]
        return {
            "hops": hops,
            "sessions": self.sessions,
            "seconds": round(self.elapsed, 3),
            "hops_per_s": round(hops / self.elapsed, 1),
            "sessions_per_s": round(self.sessions / self.elapsed, 2),
            "p50_ms": ms(percentile(self.latencies, 50)),
            "p99_ms": ms(percentile(self.latencies, 99)),
            "max_ms": ms(max(self.latencies, default=0.0)),
            "submit_p50_ms": ms(percentile(last, 50)),
            "submit_p99_ms": ms(percentile(last, 99)),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "per_hop_p50_ms": [ms(percentile(h, 50)) for h in self.by_hop],
            "per_hop_p99_ms": [ms(percentile(h, 99)) for h in self.by_hop],
        }


def percentile(values: array[float] | list[float], pct: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


class HttpError(Exception):
    """The connection failed or the server answered something that is not HTTP/1.1."""


class Connection:
    """One keep-alive HTTP/1.1 connection; reopened when the server says `Connection: close`."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
            self.opened += 1
        assert self._reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        try:
            self._writer.write(head + body)
            raw = await self._reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = raw.decode("latin-1").split("\r\n")
            status = int(status_line.split(" ", 2)[1])
            headers = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "-1"))
            if length < 0:
                raise HttpError("no content-length")
            payload = await self._reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            await self.close()
            raise HttpError(type(e).__name__) from None
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, payload

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


@dataclass(frozen=True)
class Target:
    """Where to send hops and what a good answer looks like."""

    name: str  # "service", "floor" or "floor / <server>" (answers "CON hello"), "reference / ..."
    port: int
    token: str
    journey: str = "plain"
    think_seconds: float = 0.0  # mean pause before each hop, as a person reading the screen
    # More servers of the same app: phone i talks to (port, *spread_ports)[i % count], the even
    # spread a balancing front would give (bench/servers.py, the `spread` kind).
    spread_ports: tuple[int, ...] = ()

    def port_for(self, phone: int) -> int:
        ports = (self.port, *self.spread_ports)
        return ports[phone % len(ports)]

    @property
    def path(self) -> str:
        return "/ussd?" + urlencode({"token": self.token})


def check(target: Target, index: int, last: bool, status: int, body: str) -> str | None:
    """The kind of error in this answer, or None when it is what the aggregator should get."""
    if status != 200:
        return f"http_{status}"
    if target.name.split(" /")[0] == "floor":
        return None if body == "CON hello" else "wrong_screen"
    if last:
        if not body.startswith("END "):
            return "wrong_prefix"
        return None if CODE.search(body) else "missing_code"
    return None if body.startswith("CON ") else "wrong_prefix"


async def run_session(
    target: Target, conn: Connection, numbers: Numbers, recorder: Recorder | None
) -> bool:
    """One complete session, hop after hop; False (and an error counted) if it went wrong."""
    session_id = "ATUid_" + secrets.token_hex(8)
    phone = numbers.take()
    inputs = journey_inputs(target.journey)
    text = ""
    for index in range(len(inputs) + 1):
        if target.think_seconds > 0:
            # People read at different speeds and do not dial in step: 0.5-1.5 x the think time
            # before every hop, the dial included (fixed pauses kept all phones in lockstep).
            await asyncio.sleep(target.think_seconds * (0.5 + secrets.randbelow(1001) / 1000))
        if index:
            answer = inputs[index - 1]
            text = answer if not text else f"{text}*{answer}"
        body = urlencode(
            {
                "sessionId": session_id,
                "serviceCode": SERVICE_CODE,
                "phoneNumber": phone,
                "networkCode": NETWORK_CODE,
                "text": text,
            }
        ).encode()
        started = time.perf_counter()
        try:
            status, payload = await asyncio.wait_for(conn.post(target.path, body), HOP_TIMEOUT)
        except (HttpError, TimeoutError) as error:
            await conn.close()
            if recorder is not None:
                recorder.errors[f"transport_{type(error).__name__}"] += 1
            return False
        seconds = time.perf_counter() - started
        problem = check(
            target, index, index == len(inputs), status, payload.decode("utf-8", "replace")
        )
        if recorder is not None:
            recorder.hop(index, seconds)
            if problem:
                recorder.errors[problem] += 1
        if problem:
            return False
    if recorder is not None:
        recorder.sessions += 1
    return True


@dataclass
class Budget:
    """When to stop starting sessions: a deadline and, optionally, a number of sessions."""

    deadline: float
    sessions_left: int | None = None

    def take(self) -> bool:
        if time.monotonic() >= self.deadline:
            return False
        if self.sessions_left is None:
            return True
        if self.sessions_left <= 0:
            return False
        self.sessions_left -= 1
        return True


async def phone_loop(
    target: Target, budget: Budget, numbers: Numbers, recorder: Recorder | None, phone: int = 0
) -> None:
    conn = Connection("127.0.0.1", target.port_for(phone))
    try:
        while budget.take():
            await run_session(target, conn, numbers, recorder)
    finally:
        await conn.close()


async def drive(
    target: Target,
    concurrency: int,
    seconds: float,
    *,
    warmup: float = 0.0,
    max_sessions: int | None = None,
) -> Recorder:
    """Warm up (unrecorded), then keep `concurrency` sessions in flight for `seconds`."""
    numbers = Numbers()
    if warmup > 0:
        warm = Budget(time.monotonic() + warmup)
        await asyncio.gather(
            *(phone_loop(target, warm, numbers, None, i) for i in range(concurrency))
        )
    recorder = Recorder(hops_per_session(target.journey))
    budget = Budget(time.monotonic() + seconds, max_sessions)
    started = time.perf_counter()
    await asyncio.gather(
        *(phone_loop(target, budget, numbers, recorder, i) for i in range(concurrency))
    )
    recorder.seconds = time.perf_counter() - started
    return recorder


def run(target: Target, concurrency: int, seconds: float, warmup: float = 0.0) -> Recorder:
    return asyncio.run(drive(target, concurrency, seconds, warmup=warmup))
