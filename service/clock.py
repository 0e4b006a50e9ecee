"""The one place the shell reads the wall clock (naive UTC, as stored in SQL)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
