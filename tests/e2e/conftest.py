"""The service over HTTP on both backends: embedded defaults, and PostgreSQL + Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backends import RunningService, running_service


@pytest.fixture(params=["embedded", "production"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningService]:
    if request.param == "embedded":
        with running_service("embedded", tmp_path) as running:
            yield running
        return
    yield request.getfixturevalue("production_service")
