"""Short-lived storage for sessions, locks and counters: Redis, or memory when embedded."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import redis

T = TypeVar("T")
LOCK_STRIPES = 256


class StoreUnavailable(Exception):
    """The key-value store cannot be reached; callers fall back to a path that needs none."""


class KeyValueStore(Protocol):
    """What sessions, resume copies, rate limits and lockouts need. Every key expires."""

    def incr(self, key: str, ttl_seconds: int) -> int: ...
    def decr(self, key: str) -> None: ...
    def begin_hop(self, hop: HopKeys, ttl_seconds: float, wait_seconds: float) -> HopStart: ...
    def end_hop(
        self,
        hop: HopKeys,
        sets: Sequence[KeyWrite],
        deletes: Sequence[str],
        increments: Sequence[tuple[str, int]] = (),
    ) -> None: ...


@dataclass(frozen=True)
class HopKeys:
    """What a hop reads with its session's lock: the state, other keys, counters to bump."""

    lock: str
    token: str
    state: str
    reads: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()
    count_ttl_seconds: int = 3600


@dataclass(frozen=True)
class HopStart:
    """Whether the hop got the session's lock, and what it read if it did."""

    acquired: bool
    state: bytes | None
    values: dict[str, bytes | None] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyWrite:
    key: str
    value: bytes
    ttl_seconds: int


# KEYS: lock, counters to bump, state, keys to read. ARGV: token, lock ttl ms, how many counters,
# counter ttl, whether to count (a retry while another hop holds the lock does not).
# Returns {acquired, counts..., state, reads...}; a missing key reads as false (a nil reply), which
# unlike nil keeps the Lua table whole.
_BEGIN_HOP = """
local ncounts = tonumber(ARGV[3])
local out = {0}
for i = 1, ncounts do
  if ARGV[5] == '1' then
    out[1 + i] = redis.call('INCR', KEYS[1 + i])
    redis.call('EXPIRE', KEYS[1 + i], ARGV[4], 'NX')
  else
    out[1 + i] = 0
  end
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return out end
out[1] = 1
for i = 2 + ncounts, #KEYS do out[#out + 1] = redis.call('GET', KEYS[i]) end
return out
"""

# Writes and unlock in one round trip, and only while we still hold the lock: a hop that outlived
# its lock must not overwrite the state of the hop that came after it.
_TAKE_BACK = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 1
"""

# KEYS: lock, keys to set, keys to delete, counters to bump.
# ARGV: token, how many sets, how many deletes, (value, ttl) per set, ttl per counter.
_END_HOP = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local nsets = tonumber(ARGV[2])
local ndels = tonumber(ARGV[3])
for i = 1, nsets do
  redis.call('SET', KEYS[1 + i], ARGV[2 + 2 * i], 'EX', ARGV[3 + 2 * i])
end
for i = 1, ndels do redis.call('DEL', KEYS[1 + nsets + i]) end
local first_counter = 2 + nsets + ndels
for i = first_counter, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[3 + 2 * nsets + (i - first_counter + 1)], 'NX')
end
redis.call('DEL', KEYS[1])
return 1
"""


class _Script:
    """A Lua script run by its SHA straight through `execute_command`, loaded again on NOSCRIPT.

    redis-py's `Script.__call__` copies keys and args into new tuples, imports `Pipeline` and
    goes through two more wrappers on every call; twice a hop that is measurable
    (docs/performance.md, "Leaner hop"). Same command on the wire: one EVALSHA.
    """

    def __init__(self, client: redis.Redis, source: str) -> None:
        self._client = client
        self._source = source
        self._sha = hashlib.sha1(source.encode()).hexdigest()  # noqa: S324  # Redis names scripts by SHA-1

    def __call__(self, keys: Sequence[str], args: Sequence[bytes | str | int] = ()) -> Any:
        try:
            return self._client.execute_command("EVALSHA", self._sha, len(keys), *keys, *args)  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        except redis.exceptions.NoScriptError:
            # Redis restarted or its script cache was flushed: load it and try once more.
            self._sha = self._client.script_load(self._source)
            return self._client.execute_command("EVALSHA", self._sha, len(keys), *keys, *args)  # type: ignore[no-untyped-call]  # redis-py leaves it untyped


class RedisStore:
    """Redis-backed store; connection failures surface as StoreUnavailable."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._begin_hop = _Script(client, _BEGIN_HOP)
        self._end_hop = _Script(client, _END_HOP)
        self._take_back = _Script(client, _TAKE_BACK)

    def begin_hop(self, hop: HopKeys, ttl_seconds: float, wait_seconds: float) -> HopStart:
        """Take the lock, read the state and other keys, bump counters: one script, one round trip.

        While another hop holds the lock it retries; counters are bumped on the first try only.
        """
        deadline = time.monotonic() + wait_seconds
        keys = [hop.lock, *hop.counts, hop.state, *hop.reads]
        args: list[str | int] = [hop.token, int(ttl_seconds * 1000), len(hop.counts)]
        args += [hop.count_ttl_seconds, 1]
        counted: dict[str, int] = {}
        while True:
            results = self._call(lambda: self._begin_hop(keys=keys, args=args))
            if args[-1]:
                counted = {key: int(n) for key, n in zip(hop.counts, results[1:], strict=False)}
                args[-1] = 0  # a retry must not count the same hop twice
            if results[0]:
                state, *read = results[1 + len(hop.counts) :]
                values = {key: _bytes_or_none(v) for key, v in zip(hop.reads, read, strict=True)}
                return HopStart(True, _bytes_or_none(state), values, counted)
            if time.monotonic() >= deadline:
                return HopStart(False, None)
            time.sleep(0.01)

    def end_hop(
        self,
        hop: HopKeys,
        sets: Sequence[KeyWrite],
        deletes: Sequence[str],
        increments: Sequence[tuple[str, int]] = (),
    ) -> None:
        """Write, delete, bump counters and release the lock, in one round trip."""
        keys = [hop.lock, *(w.key for w in sets), *deletes, *(key for key, _ in increments)]
        args: list[bytes | str | int] = [hop.token, len(sets), len(deletes)]
        for write in sets:
            args += [write.value, write.ttl_seconds]
        args += [ttl for _, ttl in increments]
        self._call(lambda: self._end_hop(keys=keys, args=args))

    def incr(self, key: str, ttl_seconds: int) -> int:
        def run() -> int:
            pipe = self._redis.pipeline()
            pipe.incr(key)
            # NX: the window starts with the first count and is never extended.
            pipe.expire(key, ttl_seconds, nx=True)
            return int(pipe.execute()[0])

        return self._call(run)

    def decr(self, key: str) -> None:
        """Take one back from a counter (never below zero, never extending its expiry)."""
        self._call(lambda: self._take_back(keys=[key]))

    def _call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except redis.RedisError as error:
            raise StoreUnavailable(type(error).__name__) from None


class MemoryStore:
    """In-process store for the embedded default; same expiry rules as Redis."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._values: dict[str, tuple[bytes, float]] = {}
        self._guard = threading.Lock()
        # Striped locks: a fixed set, so locking never grows memory (sessions are short-lived).
        self._stripes = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def get(self, key: str) -> bytes | None:
        with self._guard:
            return self._live(key)

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        with self._guard:
            self._values[key] = (value, self._clock() + ttl_seconds)
            self._sweep()

    def delete(self, *keys: str) -> None:
        with self._guard:
            for key in keys:
                self._values.pop(key, None)

    def incr(self, key: str, ttl_seconds: int) -> int:
        with self._guard:
            current = self._live(key)
            expires = self._values[key][1] if current is not None else self._clock() + ttl_seconds
            count = int(current or b"0") + 1
            self._values[key] = (str(count).encode(), expires)
            return count

    def decr(self, key: str) -> None:
        with self._guard:
            current = self._live(key)
            if current is not None and int(current) > 0:
                self._values[key] = (str(int(current) - 1).encode(), self._values[key][1])

    def _stripe(self, key: str) -> threading.Lock:
        return self._stripes[hash(key) % LOCK_STRIPES]

    def begin_hop(self, hop: HopKeys, ttl_seconds: float, wait_seconds: float) -> HopStart:
        counted = {key: self.incr(key, hop.count_ttl_seconds) for key in hop.counts}
        lock = self._stripe(hop.lock)
        if not lock.acquire(timeout=wait_seconds):
            return HopStart(False, None)
        values = {key: self.get(key) for key in hop.reads}
        return HopStart(True, self.get(hop.state), values, counted)

    def end_hop(
        self,
        hop: HopKeys,
        sets: Sequence[KeyWrite],
        deletes: Sequence[str],
        increments: Sequence[tuple[str, int]] = (),
    ) -> None:
        for write in sets:
            self.set(write.key, write.value, write.ttl_seconds)
        self.delete(*deletes)
        for key, ttl in increments:
            self.incr(key, ttl)
        lock = self._stripe(hop.lock)
        if lock.locked():
            lock.release()

    def live_keys(self) -> list[str]:
        with self._guard:
            return [key for key in self._values if self._live(key) is not None]

    def _live(self, key: str) -> bytes | None:
        item = self._values.get(key)
        if item is None:
            return None
        if item[1] <= self._clock():
            del self._values[key]
            return None
        return item[0]

    def _sweep(self) -> None:
        if len(self._values) % 256 == 0:
            now = self._clock()
            for key in [k for k, (_, exp) in self._values.items() if exp <= now]:
                del self._values[key]


def _bytes_or_none(value: object) -> bytes | None:
    return value if isinstance(value, bytes) else None
