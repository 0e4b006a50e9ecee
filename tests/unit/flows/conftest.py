"""Fixtures for the pure flows core: one validated bundle, loaded once."""

from __future__ import annotations

import pytest

from flows import Bundle, load_bundle


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    """The packaged flows and texts, validated."""
    return load_bundle()
