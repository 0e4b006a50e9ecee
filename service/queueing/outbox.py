"""Hand committed outbox rows to the job queue; a relay and a sweeper take what was left waiting.

A row is written either marked as enqueued (its writer enqueues it right after the commit) or
waiting (`enqueued_at` NULL): the web's intake leaves its rows waiting for the worker's relay
(`service/queueing/relay.py`), so a report's commit costs the web no queue work at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from service.queueing.job_queue import JobQueue, outbox_job_id
from service.queueing.row_dispatch import QueuedRows, RowDispatcher
from service.storage.models import OutboxJob

OUTBOX_ROWS = QueuedRows(
    label="outbox",
    row_id=OutboxJob.id,
    enqueued_at=OutboxJob.enqueued_at,
    enqueue=lambda queue, outbox_id: queue.enqueue_outbox(outbox_id),
    job_id=outbox_job_id,
)


class Dispatcher:
    """Enqueue after commit; a queue that is down never fails the caller (the sweeper retries)."""

    def __init__(
        self, queue: JobQueue, sessions: sessionmaker[Session], clock: Callable[[], datetime]
    ) -> None:
        self._rows = RowDispatcher(OUTBOX_ROWS, queue=queue, sessions=sessions, clock=clock)
        self._sessions = sessions
        self._clock = clock

    def enqueue(self, outbox_ids: Iterable[int]) -> list[int]:
        """Enqueue rows just committed; returns those the queue took.

        Their writer wrote them marked as enqueued (see OutboxJob.enqueued_at), so this costs no
        commit; only a failed enqueue costs one, to set the rows it left waiting again.
        """
        taken, left = self._rows.enqueue_each(outbox_ids)
        self._rows.mark(left, None)
        return taken

    def relay_waiting(self, batch: int = 100, stopping: Callable[[], bool] = lambda: False) -> int:
        """Claim rows left waiting and enqueue them; returns how many the queue took.

        The claim marks only rows still waiting and enqueues only those it marked, so several
        relays (and the sweep) never enqueue a row twice — on PostgreSQL they also skip rows
        another claim has locked. A row the queue refuses is set waiting again.
        """
        taken = 0
        while True:
            with self._sessions.begin() as db:
                waiting = (
                    select(OutboxJob.id)
                    .where(OutboxJob.enqueued_at.is_(None), OutboxJob.done_at.is_(None))
                    .order_by(OutboxJob.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
                claimed = db.scalars(
                    update(OutboxJob)
                    .where(OutboxJob.id.in_(waiting.scalar_subquery()))
                    .where(OutboxJob.enqueued_at.is_(None))
                    .values(enqueued_at=self._clock())
                    .returning(OutboxJob.id)
                    .execution_options(synchronize_session=False)
                )
                ids = sorted(claimed)
            if not ids:
                return taken
            sent = self.enqueue(ids)
            taken += len(sent)
            if len(sent) < len(ids) or len(ids) < batch or stopping():
                return taken

    def sweep(self, stale_after: timedelta = timedelta(minutes=2)) -> int:
        """Enqueue rows left waiting, and re-enqueue rows enqueued long ago and still not done."""
        taken = self.relay_waiting()
        cutoff = self._clock() - stale_after
        with self._sessions() as db:
            ids = db.scalars(
                select(OutboxJob.id)
                .where(OutboxJob.done_at.is_(None), OutboxJob.enqueued_at <= cutoff)
                .order_by(OutboxJob.id)
                .limit(500)
            ).all()
        return taken + self._rows.requeue(ids)
