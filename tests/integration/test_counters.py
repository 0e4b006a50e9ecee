"""Counts noted in memory (no I/O) reach SQL with the next counter written there."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from service.intake.counters import Counters
from service.storage.engine import make_engine, make_sessionmaker, upgrade_schema
from service.storage.models import EventCount


def test_noted_counts_are_kept_in_memory_then_written_with_the_next_bump(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'counts.db'}")
    upgrade_schema(engine)
    sessions = make_sessionmaker(engine)
    counters = Counters(sessions, lambda: datetime(2026, 3, 4, 5, 6))

    counters.note("callback.forbidden")
    counters.note("callback.forbidden")
    with sessions() as db:
        assert db.query(EventCount).count() == 0  # nothing written yet
    assert counters.totals()["callback.forbidden"] == 2

    counters.bump("ussd.malformed")
    with sessions() as db:
        written = {row.name: row.count for row in db.query(EventCount)}
    assert written == {"callback.forbidden": 2, "ussd.malformed": 1}
    assert counters.totals() == written
    engine.dispose()
