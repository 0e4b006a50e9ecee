"""Give each test run a Redis database of its own on a shared server, so two suites never collide.

A run claims the first database among 1-15 that is empty and where it can `SET NX` the claim
key (with an expiry, so a run that crashed frees its database by itself). Each test flushes only
that database and writes the claim back at once; the run deletes it at the end, if it still
holds it. A run told its database (`TEST_REDIS_URL`) writes the claim too, so that runs choosing
for themselves pass that database by.
"""

from __future__ import annotations

import secrets

import redis

CLAIM_KEY = "handsoff-tests:claim"
# Longer than any one test (the claim is renewed after every flush); short enough that a
# crashed run's database is free again soon.
CLAIM_SECONDS = 900
DATABASES = range(1, 16)  # 0 is where a developer's own data usually lives


class NoFreeDatabase(RuntimeError):
    """Every database 1-15 of the shared Redis is claimed by another run."""


class RedisClaim:
    """One run's claim on one database of a Redis server."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url.rstrip("/")
        self.token = secrets.token_hex(8)
        self.url: str | None = None

    def claim(self) -> str:
        """Claim the first free database; return its URL."""
        for database in DATABASES:
            client = redis.Redis.from_url(f"{self.server_url}/{database}")
            try:
                if client.set(CLAIM_KEY, self.token, nx=True, ex=CLAIM_SECONDS):
                    if client.dbsize() == 1:
                        self.url = f"{self.server_url}/{database}"
                        return self.url
                    # Someone's data without a claim (an older checkout, a developer): pass by.
                    client.delete(CLAIM_KEY)
            except redis.ResponseError:
                break  # the server has fewer databases than that
            finally:
                client.close()
        raise NoFreeDatabase(
            f"every Redis database 1-15 at {self.server_url} is claimed by another test run "
            f"(key {CLAIM_KEY!r}); set TEST_REDIS_URL to choose one"
        )

    def adopt(self, url: str) -> str:
        """Use the database we were told to use (claimed at the first flush); return its URL."""
        self.url = url
        return url

    def renew(self, client: redis.Redis) -> None:
        """Write the claim back after a flush (a flush removes it with everything else)."""
        client.set(CLAIM_KEY, self.token, ex=CLAIM_SECONDS)

    def release(self) -> None:
        """Give the database back, unless another run has taken it since our claim expired."""
        if self.url is None:
            return
        client = redis.Redis.from_url(self.url)
        try:
            if client.get(CLAIM_KEY) == self.token.encode():
                client.delete(CLAIM_KEY)
        finally:
            client.close()
