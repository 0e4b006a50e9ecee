"""Send one outbound SMS: record the attempt, call the gateway, record the result, maybe retry."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from config.settings import SMS_BATCH_DEFAULT
from crypto import ContactOpener, CryptoError
from service.messaging.dispatch import INTERRUPTED_AFTER, SEND_JOB, SmsDispatcher, sms_job_id
from service.messaging.gateway import Accepted, NotAccepted, SendResult, SmsGateway
from service.messaging.outbound import OFFICER, OpenedSms, open_sms
from service.queueing.job_queue import JobQueue, QueueUnavailable
from service.queueing.outbox import Dispatcher
from service.storage.casework_models import OutboundSms
from service.storage.models import Case, OutboxJob

log = logging.getLogger(__name__)

SENDABLE = frozenset({"pending", "retry", "sending"})
# The outbox job that hands a case on when its holder's alert failed for good.
UNDELIVERED_ALERT_JOB = "alert_undelivered"
ALERT_PURPOSE = "officer_alert"
# A retry due this close is run now rather than put back (clocks of two hosts differ a little).
EARLY_SLACK = timedelta(seconds=1)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon a temporary failure is tried again."""

    backoff_seconds: tuple[float, ...] = (5, 30, 120, 600, 1800)
    max_attempts: int = 6

    def delay_after(self, attempts: int) -> timedelta:
        index = min(max(attempts - 1, 0), len(self.backoff_seconds) - 1)
        return timedelta(seconds=self.backoff_seconds[index])


@dataclass(frozen=True)
class DrainPolicy:
    """How much of a wave one send job delivers beyond its own row.

    rq's bookkeeping costs about as much as the send itself, so a job that finds other officers'
    messages waiting claims and sends them too, `batch` at a time, for up to `seconds`, and takes
    their jobs back off the queue. Only officers' messages: an interrupted one is resent, which
    an officer's phone allows and a reporter's shared phone does not (docs/design-notes.md).
    """

    batch: int = SMS_BATCH_DEFAULT
    seconds: float = 5.0


# A drain writes accepted results at most this long after the first of them is accepted.
RECORD_WITHIN = 0.1


class DeliveryContext(Protocol):
    """What sending needs: SQL, a clock, the contact private key, a gateway, retries."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...
    @property
    def opener(self) -> ContactOpener: ...
    @property
    def gateway(self) -> SmsGateway: ...
    @property
    def retry(self) -> RetryPolicy: ...
    @property
    def drain(self) -> DrainPolicy: ...
    @property
    def queue(self) -> JobQueue: ...
    @property
    def sms(self) -> SmsDispatcher: ...
    @property
    def outbox(self) -> Dispatcher: ...


def send_sms(ctx: DeliveryContext, sms_id: int) -> None:
    """Deliver one row, then officers' messages waiting behind it; safe to run twice, early, or
    after a worker died mid-send."""
    opened = _claim(ctx, sms_id)
    if opened is not None and not isinstance(_deliver(ctx, sms_id, opened), Accepted):
        return  # The aggregator is failing: the others wait for their own turn.
    if ctx.drain.batch > 1:
        _drain(ctx, sms_id)


def _deliver(ctx: DeliveryContext, sms_id: int, opened: OpenedSms) -> SendResult:
    result = _send(ctx, sms_id, opened)
    _record(ctx, sms_id, result)
    return result


def _send(ctx: DeliveryContext, sms_id: int, opened: OpenedSms) -> SendResult:
    try:
        return ctx.gateway.send(opened.recipient, opened.body)
    except Exception as error:  # The provider's SDK is an edge: whatever it raises is recorded.
        # A gateway bug must not lose the row: the call may or may not have gone out.
        log.error("SMS gateway raised %s for message %s", type(error).__name__, sms_id)
        return NotAccepted("ambiguous", "gateway_" + type(error).__name__[:30])


def _drain(ctx: DeliveryContext, own_id: int) -> None:
    """Claim waiting officers' messages a batch at a time and send them, until none is left,
    the time is up, or one is not accepted."""
    until = time.monotonic() + ctx.drain.seconds
    while time.monotonic() < until:
        claimed = _claim_waiting(ctx, own_id, ctx.drain.batch)
        if not claimed or not _send_claimed(ctx, claimed, until):
            return


def _send_claimed(
    ctx: DeliveryContext, claimed: Sequence[tuple[int, OpenedSms]], until: float
) -> bool:
    """Send claimed rows in order; True if every one was accepted.

    Accepted results are written together, but never later than RECORD_WITHIN after the first
    of them (checked before each call): a delivery report can follow within seconds and must
    find its row by provider id. Whatever happens — the time up, a refusal, an exception, even
    the worker being stopped — the accepted are recorded and the rows not yet tried go back;
    the row whose call was in flight stays `sending`: it may have gone.
    """
    tried = 0
    accepted: list[tuple[int, Accepted]] = []
    oldest = 0.0
    try:
        for index, (sms_id, opened) in enumerate(claimed):
            now = time.monotonic()
            if accepted and now - oldest >= RECORD_WITHIN:
                _record_sent(ctx, accepted)
                accepted = []
            if index and now >= until:
                return False
            tried = index + 1
            result = _send(ctx, sms_id, opened)
            if not isinstance(result, Accepted):
                _record(ctx, sms_id, result)
                return False
            if not accepted:
                oldest = time.monotonic()
            accepted.append((sms_id, result))
        return True
    finally:
        _record_sent(ctx, accepted)
        _put_back(ctx, [sms_id for sms_id, _ in claimed[tried:]])


def _claim(ctx: DeliveryContext, sms_id: int) -> OpenedSms | None:
    """Mark the row as being sent (attempt recorded first) and open it; None if nothing to do."""
    now = ctx.clock()
    retry_at: datetime | None = None
    handover: list[int] = []
    with ctx.sessions.begin() as db:
        opened = _claim_locked(ctx, db, sms_id, now, handover)
        if isinstance(opened, datetime):
            retry_at, opened = opened, None
    ctx.outbox.enqueue(handover)
    if retry_at is not None:
        ctx.sms.schedule_retry(sms_id, retry_at)  # Run early: put it back for its time.
    return opened


def _claim_locked(
    ctx: DeliveryContext, db: Session, sms_id: int, now: datetime, handover: list[int]
) -> OpenedSms | datetime | None:
    """Claim under the row lock: the opened message, when a retry is due, or None."""
    row = db.scalars(
        select(OutboundSms).where(OutboundSms.id == sms_id).with_for_update()
    ).one_or_none()
    return _claim_row(ctx, db, row, now, handover)


def _claim_row(
    ctx: DeliveryContext, db: Session, row: OutboundSms | None, now: datetime, handover: list[int]
) -> OpenedSms | datetime | None:
    """Record the attempt on a locked row and open it; when a retry is due; or None."""
    if row is None or row.status not in SENDABLE:
        return None
    if row.status == "sending":
        if row.last_attempt_at is not None and row.last_attempt_at > now - INTERRUPTED_AFTER:
            return None  # Another worker is sending it right now.
        # The last attempt never recorded a result: it may have gone out.
        if not _interrupted_attempt_may_retry(row, now):
            return None
    if row.status == "retry" and row.next_attempt_at and row.next_attempt_at > now + EARLY_SLACK:
        return row.next_attempt_at
    if _cancelled_by_opt_out(db, row, now):
        return None
    if row.attempts >= ctx.retry.max_attempts:
        # Only interrupted attempts get here: each failure is counted where it is recorded.
        _fail(row, "ambiguous", "interrupted_gave_up", now)
        handover.extend(_job_ids(undelivered_alert_job(db, row, now)))
        return None
    row.status = "sending"
    row.attempts += 1
    row.last_attempt_at = now
    row.updated_at = now
    try:
        return open_sms(ctx.opener, row)
    except CryptoError:
        _fail(row, "final", "unreadable", now)
        handover.extend(_job_ids(undelivered_alert_job(db, row, now)))
        return None


def _claim_waiting(ctx: DeliveryContext, own_id: int, limit: int) -> list[tuple[int, OpenedSms]]:
    """Claim up to `limit` officers' messages never tried yet, oldest first, skipping rows another
    worker holds; their own jobs are taken back off the queue (a job that still runs finds its
    row claimed and does nothing)."""
    now = ctx.clock()
    handover: list[int] = []
    claimed: list[tuple[int, OpenedSms]] = []
    with ctx.sessions.begin() as db:
        rows = db.scalars(
            select(OutboundSms)
            .where(
                OutboundSms.audience == OFFICER,
                OutboundSms.status == "pending",
                OutboundSms.attempts == 0,
                OutboundSms.id != own_id,
            )
            .order_by(OutboundSms.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            opened = _claim_row(ctx, db, row, now, handover)
            if isinstance(opened, OpenedSms):
                claimed.append((row.id, opened))
    ctx.outbox.enqueue(handover)
    _withdraw(ctx, [sms_id for sms_id, _ in claimed])
    return claimed


def _withdraw(ctx: DeliveryContext, sms_ids: Sequence[int]) -> None:
    # Redis away: their jobs run later and find the rows sent; a little work, nothing lost.
    with suppress(QueueUnavailable):
        ctx.queue.withdraw(SEND_JOB, [sms_job_id(sms_id) for sms_id in sms_ids])


def _put_back(ctx: DeliveryContext, sms_ids: Sequence[int]) -> None:
    """Rows claimed and never sent: not tried after all, and queued again."""
    if not sms_ids:
        return
    now = ctx.clock()
    with ctx.sessions.begin() as db:
        db.execute(
            update(OutboundSms)
            .where(OutboundSms.id.in_(sms_ids), OutboundSms.status == "sending")
            .values(status="pending", attempts=0, last_attempt_at=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    ctx.sms.enqueue_again(sms_ids)


def undelivered_alert_job(db: Session, row: OutboundSms, now: datetime) -> int | None:
    """Write the hand-on job when `row`, an officer's alert, has failed for good; its id."""
    if row.purpose != ALERT_PURPOSE or row.status != "failed" or row.case_id is None:
        return None
    job = OutboxJob(job=UNDELIVERED_ALERT_JOB, case_id=row.case_id, created_at=now)
    db.add(job)
    db.flush()
    return job.id


def _job_ids(job_id: int | None) -> list[int]:
    return [] if job_id is None else [job_id]


def _interrupted_attempt_may_retry(row: OutboundSms, now: datetime) -> bool:
    """Officers get an interrupted message again; reporters' shared phones do not."""
    if row.audience == OFFICER:
        return True
    _fail(row, "ambiguous", "interrupted", now, status="unknown")
    return False


def _cancelled_by_opt_out(db: Session, row: OutboundSms, now: datetime) -> bool:
    """A reporter who texted STOP gets no further update, even one already queued."""
    if row.purpose != "reporter_update" or row.case_id is None:
        return False
    case = db.get(Case, row.case_id)
    if case is not None and not case.sms_opt_out:
        return False
    row.status = "cancelled"
    row.updated_at = now
    return True


def _record(ctx: DeliveryContext, sms_id: int, result: SendResult) -> None:
    now = ctx.clock()
    retry_at: datetime | None = None
    handover: list[int] = []
    if isinstance(result, Accepted):
        _record_sent(ctx, [(sms_id, result)])
        return
    with ctx.sessions.begin() as db:
        row = db.get(OutboundSms, sms_id, with_for_update=True)
        if row is None:
            return
        retry_at = _record_failure(ctx, row, result, now)
        handover.extend(_job_ids(undelivered_alert_job(db, row, now)))
    ctx.outbox.enqueue(handover)
    if retry_at is not None:
        ctx.sms.schedule_retry(sms_id, retry_at)
    log.info("SMS %s: %s", sms_id, result.code)


def _record_sent(ctx: DeliveryContext, sent: Sequence[tuple[int, Accepted]]) -> None:
    """The common case: one UPDATE per row (each takes its row lock itself) in one transaction,
    one executemany; no SELECT ... FOR UPDATE first, as nothing depends on the old values."""
    if not sent:
        return
    now = ctx.clock()
    with ctx.sessions.begin() as db:
        # SQLAlchemy's bulk UPDATE by primary key: psycopg pipelines the rows.
        db.execute(
            update(OutboundSms),
            [
                {
                    "id": sms_id,
                    "status": "sent",
                    "sent_at": now,
                    "provider_message_id": result.message_id,
                    "failure_class": None,
                    "failure_code": None,
                    "updated_at": now,
                }
                for sms_id, result in sent
            ],
        )
    for sms_id, _ in sent:
        log.info("SMS %s: accepted", sms_id)


def _record_failure(
    ctx: DeliveryContext, row: OutboundSms, result: NotAccepted, now: datetime
) -> datetime | None:
    """Retry what may go later; record what never will. Returns when to retry, if at all."""
    kind = result.kind
    if kind == "ambiguous" and row.audience != OFFICER:
        # It may have reached a shared phone already: record it, show it, do not send again.
        _fail(row, "ambiguous", result.code, now, status="unknown")
        return None
    if kind == "final":
        _fail(row, "final", result.code, now)
        return None
    if row.attempts >= ctx.retry.max_attempts:
        _fail(row, kind, result.code + "_gave_up", now)
        return None
    row.status = "retry"
    row.failure_class = kind
    row.failure_code = result.code[:48]
    row.next_attempt_at = now + ctx.retry.delay_after(row.attempts)
    row.updated_at = now
    return row.next_attempt_at


def _fail(row: OutboundSms, kind: str, code: str, now: datetime, *, status: str = "failed") -> None:
    row.status = status
    row.failure_class = kind
    row.failure_code = code[:48]
    row.next_attempt_at = None
    row.updated_at = now
