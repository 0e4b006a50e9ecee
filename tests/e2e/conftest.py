"""The service over HTTP on both backends: embedded defaults, and PostgreSQL + Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backends import RunningService, running_service


@pytest.fixture(params=["embedded", "production"])
def service(
    request: pytest.FixtureRequest, tmp_path: Path, webhook_token: str
) -> Iterator[RunningService]:
    if request.param == "embedded":
        with running_service("embedded", tmp_path) as running:
            yield running
        return
    postgres_url = request.getfixturevalue("postgres_url")
    redis_url = request.getfixturevalue("redis_url")
    with running_service("production", tmp_path, postgres_url, redis_url, webhook_token) as running:
        yield running
