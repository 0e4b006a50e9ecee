"""Hand committed outbound SMS rows to the job queue; a sweep re-enqueues rows left behind."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from service.queueing.job_queue import JobQueue, QueueUnavailable
from service.queueing.row_dispatch import QueuedRows, RowDispatcher
from service.storage.casework_models import OutboundSms

log = logging.getLogger(__name__)

SEND_JOB = "workers.jobs.send_sms"
# A send that started this long ago and never recorded a result was interrupted (worker killed):
# the SDK gives up after about 12 s, so this is far past any live attempt.
INTERRUPTED_AFTER = timedelta(minutes=5)


def sms_job_id(sms_id: int) -> str:
    return f"sms-{sms_id}"


SMS_ROWS = QueuedRows(
    label="SMS",
    row_id=OutboundSms.id,
    enqueued_at=OutboundSms.enqueued_at,
    enqueue=lambda queue, sms_id: queue.enqueue(SEND_JOB, sms_id, job_id=sms_job_id(sms_id)),
    job_id=sms_job_id,
)


class SmsDispatcher:
    """Enqueue send jobs (ids only) after commit; a queue that is down leaves them to the sweep."""

    def __init__(
        self, queue: JobQueue, sessions: sessionmaker[Session], clock: Callable[[], datetime]
    ) -> None:
        self._rows = RowDispatcher(SMS_ROWS, queue=queue, sessions=sessions, clock=clock)
        self._queue = queue
        self._sessions = sessions
        self._clock = clock

    def enqueue(self, sms_ids: Iterable[int]) -> None:
        """Enqueue rows just committed (written waiting) and mark those the queue took."""
        taken, _ = self._rows.enqueue_each(sms_ids)
        self._rows.mark(taken, self._clock())

    def enqueue_again(self, sms_ids: Sequence[int]) -> None:
        """Queue rows a send job claimed and gave back unsent, each under a fresh job id.

        Not `sms-<id>`: a job of that id may still be running (it found its row claimed), and
        rq deletes a finished job's record by id, which would leave the new entry orphaned.
        Rows the queue refuses are set waiting, for the sweep.
        """
        taken, left = self._rows.enqueue_each(
            sms_ids, enqueue=lambda queue, sms_id: queue.enqueue(SEND_JOB, sms_id)
        )
        self._rows.mark(taken, self._clock())
        self._rows.mark(left, None)

    def schedule_retry(self, sms_id: int, when: datetime) -> None:
        """Run the send again at `when`; if this fails the sweep finds the row overdue."""
        try:
            # Its own random job id: the running send's id is deleted when that job ends. So a
            # sweep cannot see a retry as waiting; the delivery claim still sends only once.
            self._queue.enqueue_at(when, SEND_JOB, sms_id)
        except QueueUnavailable as error:
            log.warning(
                "SMS retry not scheduled (%s); the sweep will",
                type(error.__cause__ or error).__name__,
            )

    def sweep(self, stale_after: timedelta = timedelta(minutes=2)) -> int:
        """Re-enqueue rows never enqueued, enqueued long ago, overdue for retry, or interrupted.

        Returns how many the queue took.
        """
        now = self._clock()
        cutoff = now - stale_after
        with self._sessions() as db:
            ids = db.scalars(
                select(OutboundSms.id)
                .where(
                    or_(
                        and_(
                            OutboundSms.status == "pending",
                            or_(
                                OutboundSms.enqueued_at.is_(None),
                                OutboundSms.enqueued_at < cutoff,
                            ),
                        ),
                        and_(OutboundSms.status == "retry", OutboundSms.next_attempt_at < cutoff),
                        and_(
                            OutboundSms.status == "sending",
                            OutboundSms.last_attempt_at < now - INTERRUPTED_AFTER,
                        ),
                    )
                )
                .order_by(OutboundSms.id)
                .limit(500)
            ).all()
        return self._rows.requeue(ids)
