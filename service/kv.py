"""Short-lived storage for sessions, locks and counters: Redis, or memory when embedded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TypeVar

import redis

T = TypeVar("T")


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


class RedisStore:
    """Redis-backed store; connection failures surface as StoreUnavailable."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

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
        self._locks: dict[str, threading.Lock] = {}

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
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        acquired = lock.acquire(timeout=wait_seconds)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()
            with self._guard:
                if not lock.locked():
                    self._locks.pop(key, None)

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
