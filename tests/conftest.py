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
from tests.support.services import (
    PrivatePostgres,
    PrivateRedis,
    free_port,
    postgres_reachable,
    private_folder,
    redis_reachable,
)

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
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
def redis_server() -> Iterator[str]:
    """The shared Redis (a database of its own) if it answers, else a private redis-server."""
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS)
    if redis_reachable(url):
        yield url
        return
    if "TEST_REDIS_URL" in os.environ:
        pytest.fail(f"TEST_REDIS_URL is set but Redis does not answer there: {url}")
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
def redis_url(redis_server: str) -> Iterator[str]:
    """An emptied Redis database per test."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    yield redis_server
    client.flushdb()
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
