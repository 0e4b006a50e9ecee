"""The loop both dispatchers share: enqueue committed rows by id, mark them, re-enqueue the lost.

The outbox (`service/queueing/outbox.py`) and the outbound SMS (`service/messaging/dispatch.py`)
differ only in their table, the job a row becomes and when a row counts as stale; the enqueue,
the marking and the sweep's re-enqueue are this one implementation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from service.queueing.job_queue import JobQueue, QueueUnavailable, split_still_queued

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedRows:
    """A table whose rows become jobs: its columns, and how a row id is enqueued and named."""

    label: str  # in logs: "outbox", "SMS"
    row_id: InstrumentedAttribute[int]
    enqueued_at: InstrumentedAttribute[datetime | None]
    enqueue: Callable[[JobQueue, int], None]
    job_id: Callable[[int], str]


class RowDispatcher:
    """Enqueue rows of one table after their commit; a queue that is down leaves them in SQL."""

    def __init__(
        self,
        rows: QueuedRows,
        *,
        queue: JobQueue,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
    ) -> None:
        self._rows = rows
        self._queue = queue
        self._sessions = sessions
        self._clock = clock

    def enqueue_each(
        self, ids: Iterable[int], enqueue: Callable[[JobQueue, int], None] | None = None
    ) -> tuple[list[int], list[int]]:
        """Enqueue rows in order until the queue fails; return (those taken, those left).

        `enqueue` replaces the table's own way (e.g. a job under a fresh id, not the row's).
        """
        ids = list(ids)
        enqueue = enqueue or self._rows.enqueue
        taken: list[int] = []
        for row_id in ids:
            try:
                enqueue(self._queue, row_id)
            except QueueUnavailable as error:  # The rows left wait in SQL for the sweep.
                log.warning(
                    "%s enqueue failed (%s); the sweep will retry",
                    self._rows.label,
                    type(error.__cause__ or error).__name__,
                )
                break
            taken.append(row_id)
        return taken, ids[len(taken) :]

    def mark(self, ids: Sequence[int], enqueued_at: datetime | None) -> None:
        """Set the rows' `enqueued_at` (None: waiting) in a transaction of its own.

        A database error is raised, not swallowed: the caller's edge logs it, and the rows'
        state in SQL stays one the sweep reads correctly (waiting, or enqueued long ago).
        """
        if not ids:
            return
        table = self._rows.row_id.class_
        with self._sessions.begin() as db:
            db.execute(
                update(table)
                .where(self._rows.row_id.in_(ids))
                .values({self._rows.enqueued_at: enqueued_at})
            )

    def requeue(self, ids: Sequence[int]) -> int:
        """Enqueue again the rows whose job the queue no longer holds; return how many it took.

        Rows it took, and rows still waiting in the queue, count as enqueued now (the next sweep
        looks past them); rows the queue refused are set waiting.
        """
        lost, held = split_still_queued(self._queue, ids, self._rows.job_id)
        taken, left = self.enqueue_each(lost)
        self.mark([*taken, *held], self._clock())
        self.mark(left, None)
        return len(taken)
