"""Hand committed outbox rows to the job queue; a sweeper re-enqueues anything left behind."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.db.models import OutboxJob
from service.queueing import JobQueue

log = logging.getLogger(__name__)


class Dispatcher:
    """Enqueue after commit; never let a queue failure fail the caller (the sweeper retries)."""

    def __init__(
        self, queue: JobQueue, sessions: sessionmaker[Session], clock: Callable[[], datetime]
    ) -> None:
        self._queue = queue
        self._sessions = sessions
        self._clock = clock

    def enqueue(self, outbox_ids: Iterable[int]) -> list[int]:
        """Enqueue rows just committed; returns those the queue took.

        Rows are written already marked as enqueued (see OutboxJob.enqueued_at), so the hot path
        is one commit; only a failed enqueue costs a second one, to unmark the rows it left.
        """
        ids = list(outbox_ids)
        sent = []
        for outbox_id in ids:
            try:
                self._queue.enqueue_outbox(outbox_id)
                sent.append(outbox_id)
            except Exception as error:  # Redis down: the row waits for the sweeper.
                log.warning("enqueue failed (%s); the sweeper will retry", type(error).__name__)
                break
        left = [outbox_id for outbox_id in ids if outbox_id not in sent]
        if left:
            self._mark(left, None)
        return sent

    def sweep(self, stale_after: timedelta = timedelta(minutes=2)) -> int:
        """Re-enqueue rows never enqueued, or enqueued long ago and still not done."""
        cutoff = self._clock() - stale_after
        with self._sessions() as db:
            ids = db.scalars(
                select(OutboxJob.id)
                .where(OutboxJob.done_at.is_(None))
                .where(or_(OutboxJob.enqueued_at.is_(None), OutboxJob.enqueued_at <= cutoff))
                .order_by(OutboxJob.id)
                .limit(500)
            ).all()
        sent = self.enqueue(ids)
        if sent:
            self._mark(sent, self._clock())
        return len(sent)

    def _mark(self, ids: list[int], enqueued_at: datetime | None) -> None:
        try:
            with self._sessions.begin() as db:
                db.execute(
                    update(OutboxJob).where(OutboxJob.id.in_(ids)).values(enqueued_at=enqueued_at)
                )
        except Exception as error:
            log.warning("could not mark outbox rows (%s)", type(error).__name__)
