"""Shared fixtures: real PostgreSQL and Redis (found or started), apps on both backends."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from tests.support.backends import RunningService, running_service
from tests.support.redis_claim import RedisClaim
from tests.support.services import (
    PrivatePostgres,
    PrivateRedis,
    free_port,
    postgres_reachable,
    private_folder,
    redis_reachable,
)

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
# The shared Redis; each run claims a database of its own there (tests/support/redis_claim.py).
DEFAULT_REDIS_SERVER = "redis://127.0.0.1:6379"
TOKEN = "t" * 8 + secrets.token_urlsafe(32)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The shared PostgreSQL if it answers, else a private one; never a skip."""
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES)
    if postgres_reachable(url):
        yield url
        return
    if "TEST_DATABASE_URL" in os.environ:
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL does not answer there: {url}")
    server = PrivatePostgres(free_port(), private_folder("handsoff-pg-")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_claim() -> Iterator[RedisClaim]:
    """This run's database on the shared Redis: TEST_REDIS_URL's, or a free one among 1-15."""
    claim = RedisClaim(DEFAULT_REDIS_SERVER)
    yield claim
    claim.release()


@pytest.fixture(scope="session")
def redis_server(redis_claim: RedisClaim) -> Iterator[str]:
    """The shared Redis (a database of this run's own) if it answers, else a private one."""
    if "TEST_REDIS_URL" in os.environ:
        url = os.environ["TEST_REDIS_URL"]
        if not redis_reachable(url):
            pytest.fail(f"TEST_REDIS_URL is set but Redis does not answer there: {url}")
        yield redis_claim.adopt(url)
        return
    if redis_reachable(DEFAULT_REDIS_SERVER):
        yield redis_claim.claim()
        return
    server = PrivateRedis(free_port(), Path(private_folder("handsoff-redis-"))).start()
    try:
        yield server.url
    finally:
        server.kill()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh schema per test, so tests never see each other's rows."""
    schema = "t_" + secrets.token_hex(6)
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def redis_url(redis_server: str, redis_claim: RedisClaim) -> Iterator[str]:
    """This run's Redis database, emptied before and after each test (the claim written back)."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    redis_claim.renew(client)
    yield redis_server
    client.flushdb()
    redis_claim.renew(client)
    client.close()


@pytest.fixture
def webhook_token() -> str:
    return TOKEN


@pytest.fixture
def production_service(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> Iterator[RunningService]:
    """The web service over HTTP on PostgreSQL and Redis, as deployed."""
    with running_service("production", tmp_path, postgres_url, redis_url, webhook_token) as running:
        yield running


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by what they need: `-m "not integration and not e2e"` runs the pure ones."""
    root = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(root).parts[0]
        if folder == "e2e":
            item.add_marker(pytest.mark.e2e)
        fixtures = getattr(item, "fixturenames", ())
        if folder in {"integration", "faults"} or {"postgres_server", "redis_server"} & set(
            fixtures
        ):
            item.add_marker(pytest.mark.integration)
