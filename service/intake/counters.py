"""Daily event counts: how many callbacks were malformed, how sessions ended. Counts only."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.storage.models import EventCount

log = logging.getLogger(__name__)


class Counters:
    """Add one to a named daily counter; counting never fails a request.

    `note` counts in memory only, for requests that must not touch SQL (a callback without a
    valid token, a hop whose database just failed); the next `bump` writes those counts too.
    """

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock
        self._noted: Counter[tuple[str, date]] = Counter()
        self._guard = threading.Lock()

    def note(self, name: str) -> None:
        """Count in memory: no I/O at all (written to SQL by a later bump)."""
        with self._guard:
            self._noted[(name, self._clock().date())] += 1

    def bump(self, name: str) -> None:
        with self._guard:
            pending, self._noted = self._noted, Counter()
        pending[(name, self._clock().date())] += 1
        for index, ((each, day), by) in enumerate(pending.items()):
            try:
                self._add(each, day, by)
            except SQLAlchemyError as error:
                log.warning("counter %s not bumped (%s)", each, type(error).__name__)
                with self._guard:  # Keep what was not written for the next bump.
                    self._noted.update(dict(list(pending.items())[index:]))
                return

    def _add(self, name: str, day: date, by: int) -> None:
        for _ in range(2):
            with self._sessions.begin() as db:
                changed = db.execute(
                    update(EventCount)
                    .where(EventCount.name == name, EventCount.day == day)
                    .values(count=EventCount.count + by)
                ).rowcount  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult
                if changed:
                    return
            try:
                with self._sessions.begin() as db:
                    db.add(EventCount(name=name, day=day, count=by))
                return
            except IntegrityError:
                continue  # Another request inserted the row first: update it.

    def totals(self) -> dict[str, int]:
        """Every counter summed over its days, those only noted in memory included."""
        with self._sessions() as db:
            rows = db.execute(select(EventCount.name, EventCount.count)).all()
        totals: dict[str, int] = {}
        with self._guard:
            noted = [(name, count) for (name, _day), count in self._noted.items()]
        for name, count in [*rows, *noted]:
            totals[name] = totals.get(name, 0) + count
        return totals
