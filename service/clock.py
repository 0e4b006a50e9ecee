"""The one place the shell reads the wall clock (naive UTC, as stored in SQL)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_the_hour(moment: datetime) -> datetime:
    """The hour `moment` falls in: for timestamps no deadline needs (docs/privacy.md).

    An exact time is a join key: matched with the operator's or aggregator's records of who
    dialled or texted when, it can name the reporter behind a row.
    """
    return moment.replace(minute=0, second=0, microsecond=0)
