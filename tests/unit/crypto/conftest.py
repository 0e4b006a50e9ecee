"""Fixtures for crypto/ tests: a fresh key folder per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from crypto import KeyStore


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    """Return a key folder holding every key, as the embedded default generates it."""
    return KeyStore.generate(tmp_path / "keys")
