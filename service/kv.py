"""Short-lived storage for sessions, locks and counters: Redis, or memory when embedded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol, TypeVar

import redis

T = TypeVar("T")
LOCK_STRIPES = 256


class StoreUnavailable(Exception):
    """The key-value store cannot be reached; callers fall back to a path that needs none."""


class KeyValueStore(Protocol):
    """What sessions, resume copies, rate limits and lockouts need. Every key expires."""

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...
    def delete(self, *keys: str) -> None: ...
    def incr(self, key: str, ttl_seconds: int) -> int: ...
    def peek_count(self, key: str) -> int: ...
    def lock(
        self, key: str, ttl_seconds: float, wait_seconds: float
    ) -> AbstractContextManager[bool]: ...
    def begin_hop(self, hop: HopKeys, ttl_seconds: float, wait_seconds: float) -> HopStart: ...
    def end_hop(self, hop: HopKeys, sets: Sequence[KeyWrite], deletes: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class HopKeys:
    """The lock that serialises one session's hops, its holder's token, and the state's key."""

    lock: str
    token: str
    state: str


@dataclass(frozen=True)
class HopStart:
    """Whether the hop got the session's lock, and the stored state if it did."""

    acquired: bool
    state: bytes | None


@dataclass(frozen=True)
class KeyWrite:
    key: str
    value: bytes
    ttl_seconds: int


# Writes and unlock in one round trip, and only while we still hold the lock: a hop that outlived
# its lock must not overwrite the state of the hop that came after it.
_END_HOP = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[2])
for i = 1, n do
  redis.call('SET', KEYS[1 + i], ARGV[1 + 2 * i], 'EX', ARGV[2 + 2 * i])
end
for i = 2 + n, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('DEL', KEYS[1])
return 1
"""


class RedisStore:
    """Redis-backed store; connection failures surface as StoreUnavailable."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._end_hop = client.register_script(_END_HOP)

    def begin_hop(self, hop: HopKeys, ttl_seconds: float, wait_seconds: float) -> HopStart:
        """Take the session's lock and read its state in one round trip (retrying while held)."""
        deadline = time.monotonic() + wait_seconds
        ttl_ms = int(ttl_seconds * 1000)
        while True:

            def attempt() -> list[object]:
                pipe = self._redis.pipeline(transaction=False)
                pipe.set(hop.lock, hop.token, nx=True, px=ttl_ms)
                pipe.get(hop.state)
                return list(pipe.execute())

            acquired, state = self._call(attempt)
            if acquired:
                return HopStart(True, state if isinstance(state, bytes) else None)
            if time.monotonic() >= deadline:
                return HopStart(False, None)
            time.sleep(0.01)

    def end_hop(self, hop: HopKeys, sets: Sequence[KeyWrite], deletes: Sequence[str]) -> None:
        """Write the hop's keys, delete others and release the lock, in one round trip."""
        keys = [hop.lock, *(w.key for w in sets), *deletes]
        args: list[bytes | str | int] = [hop.token, len(sets)]
        for write in sets:
            args += [write.value, write.ttl_seconds]
        self._call(lambda: self._end_hop(keys=keys, args=args))

    def get(self, key: str) -> bytes | None:
        value = self._call(lambda: self._redis.get(key))
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._call(lambda: self._redis.set(key, value, ex=ttl_seconds))

    def delete(self, *keys: str) -> None:
        if keys:
            self._call(lambda: self._redis.delete(*keys))

    def incr(self, key: str, ttl_seconds: int) -> int:
        def run() -> int:
            pipe = self._redis.pipeline()
            pipe.incr(key)
            # NX: the window starts with the first count and is never extended.
            pipe.expire(key, ttl_seconds, nx=True)
            return int(pipe.execute()[0])

        return self._call(run)

    def peek_count(self, key: str) -> int:
        value = self.get(key)
        return int(value) if value else 0

    @contextmanager
    def lock(self, key: str, ttl_seconds: float, wait_seconds: float) -> Iterator[bool]:
        """Serialise hops of one session; yields False if the lock was not had in time."""
        token = str(time.monotonic_ns()).encode()
        deadline = time.monotonic() + wait_seconds
        ttl_ms = int(ttl_seconds * 1000)
        acquired = False
        while True:
            acquired = bool(self._call(lambda: self._redis.set(key, token, nx=True, px=ttl_ms)))
            if acquired or time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        try:
            yield acquired
        finally:
            if acquired:
                self._release(key, token)

    def _release(self, key: str, token: bytes) -> None:
        try:
            if self._redis.get(key) == token:
                self._redis.delete(key)
        except redis.RedisError:
            pass  # The lock expires by itself.

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

    def peek_count(self, key: str) -> int:
        value = self.get(key)
        return int(value) if value else 0

    @contextmanager
    def lock(self, key: str, ttl_seconds: float, wait_seconds: float) -> Iterator[bool]:
        lock = self._stripe(key)
        acquired = lock.acquire(timeout=wait_seconds)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()

    def _stripe(self, key: str) -> threading.Lock:
        return self._stripes[hash(key) % LOCK_STRIPES]

    def begin_hop(self, hop: HopKeys, ttl_seconds: float, wait_seconds: float) -> HopStart:
        lock = self._stripe(hop.lock)
        if not lock.acquire(timeout=wait_seconds):
            return HopStart(False, None)
        return HopStart(True, self.get(hop.state))

    def end_hop(self, hop: HopKeys, sets: Sequence[KeyWrite], deletes: Sequence[str]) -> None:
        for write in sets:
            self.set(write.key, write.value, write.ttl_seconds)
        self.delete(*deletes)
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
