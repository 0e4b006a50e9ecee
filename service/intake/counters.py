"""Daily event counts: how many callbacks were malformed, how sessions ended. Counts only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.storage.models import EventCount

log = logging.getLogger(__name__)


class Counters:
    """Add one to a named daily counter; counting never fails a request."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock

    def bump(self, name: str) -> None:
        day = self._clock().date()
        try:
            for _ in range(2):
                with self._sessions.begin() as db:
                    changed = db.execute(
                        update(EventCount)
                        .where(EventCount.name == name, EventCount.day == day)
                        .values(count=EventCount.count + 1)
                    ).rowcount  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult
                    if changed:
                        return
                try:
                    with self._sessions.begin() as db:
                        db.add(EventCount(name=name, day=day, count=1))
                    return
                except IntegrityError:
                    continue  # Another request inserted the row first: update it.
        except SQLAlchemyError as error:
            log.warning("counter %s not bumped (%s)", name, type(error).__name__)

    def totals(self) -> dict[str, int]:
        with self._sessions() as db:
            rows = db.execute(select(EventCount.name, EventCount.count)).all()
        totals: dict[str, int] = {}
        for name, count in rows:
            totals[name] = totals.get(name, 0) + count
        return totals
