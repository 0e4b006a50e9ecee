"""Hand committed outbox rows to the job queue; a relay and a sweeper take what was left waiting.

A row is written either marked as enqueued (its writer enqueues it right after the commit) or
waiting (`enqueued_at` NULL): the web's intake leaves its rows waiting for the worker's relay
(`service/queueing/relay.py`), so a report's commit costs the web no queue work at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from service.queueing.job_queue import JobQueue, outbox_job_id, split_still_queued
from service.storage.models import OutboxJob

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

        Their writer wrote them marked as enqueued (see OutboxJob.enqueued_at), so this costs no
        commit; only a failed enqueue costs one, to set the rows it left waiting again.
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
        lost, held = split_still_queued(self._queue, ids, outbox_job_id)
        sent = self.enqueue(lost)
        # Rows still waiting in the queue count as enqueued now, so the next sweep looks past them.
        if sent or held:
            self._mark([*sent, *held], self._clock())
        return taken + len(sent)

    def _mark(self, ids: list[int], enqueued_at: datetime | None) -> None:
        try:
            with self._sessions.begin() as db:
                db.execute(
                    update(OutboxJob).where(OutboxJob.id.in_(ids)).values(enqueued_at=enqueued_at)
                )
        except Exception as error:
            log.warning("could not mark outbox rows (%s)", type(error).__name__)
