"""The desk on real PostgreSQL, one fresh schema per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.desk import DeskWorld, desk_world


@pytest.fixture
def desk(tmp_path: Path, postgres_url: str) -> Iterator[DeskWorld]:
    with desk_world(tmp_path, postgres_url) as world:
        yield world
