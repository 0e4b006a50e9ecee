"""Hand committed outbound SMS rows to the job queue; a sweep re-enqueues rows left behind."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.queueing.job_queue import JobQueue, split_still_queued
from service.storage.casework_models import OutboundSms

log = logging.getLogger(__name__)

SEND_JOB = "workers.jobs.send_sms"
# A send that started this long ago and never recorded a result was interrupted (worker killed):
# the SDK gives up after about 12 s, so this is far past any live attempt.
INTERRUPTED_AFTER = timedelta(minutes=5)


class SmsDispatcher:
    """Enqueue send jobs (ids only) after commit; a queue failure waits for the sweep."""

    def __init__(
        self, queue: JobQueue, sessions: sessionmaker[Session], clock: Callable[[], datetime]
    ) -> None:
        self._queue = queue
        self._sessions = sessions
        self._clock = clock

    def enqueue(self, sms_ids: Iterable[int]) -> None:
        sent: list[int] = []
        for sms_id in sms_ids:
            try:
                self._queue.enqueue(SEND_JOB, sms_id, job_id=sms_job_id(sms_id))
                sent.append(sms_id)
            except Exception as error:  # Redis down: the row waits for the sweep.
                log.warning("SMS enqueue failed (%s); the sweep will retry", type(error).__name__)
                break
        if sent:
            self._mark_enqueued(sent)

    def schedule_retry(self, sms_id: int, when: datetime) -> None:
        """Run the send again at `when`; if this fails the sweep finds the row overdue."""
        try:
            # Its own random job id: the running send's id is deleted when that job ends. So a
            # sweep cannot see a retry as waiting; the delivery claim still sends only once.
            self._queue.enqueue_at(when, SEND_JOB, sms_id)
        except Exception as error:
            log.warning("SMS retry not scheduled (%s); the sweep will", type(error).__name__)

    def sweep(self, stale_after: timedelta = timedelta(minutes=2)) -> int:
        """Re-enqueue rows never enqueued, enqueued long ago, overdue for retry, or interrupted."""
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
        lost, held = split_still_queued(self._queue, ids, sms_job_id)
        self.enqueue(lost)
        if held:  # still waiting in the queue: the next sweep looks past them
            self._mark_enqueued(held)
        return len(lost)

    def _mark_enqueued(self, ids: list[int]) -> None:
        try:
            with self._sessions.begin() as db:
                db.execute(
                    update(OutboundSms)
                    .where(OutboundSms.id.in_(ids))
                    .values(enqueued_at=self._clock())
                )
        except Exception as error:
            log.warning("could not mark SMS rows enqueued (%s)", type(error).__name__)


def sms_job_id(sms_id: int) -> str:
    return f"sms-{sms_id}"
