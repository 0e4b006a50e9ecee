"""Send one outbound SMS: record the attempt, call the gateway, record the result, maybe retry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from crypto import ContactOpener, CryptoError
from service.messaging.dispatch import INTERRUPTED_AFTER, SmsDispatcher
from service.messaging.gateway import Accepted, NotAccepted, SendResult, SmsGateway
from service.messaging.outbound import OFFICER, OpenedSms, open_sms
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
    def sms(self) -> SmsDispatcher: ...
    @property
    def outbox(self) -> Dispatcher: ...


def send_sms(ctx: DeliveryContext, sms_id: int) -> None:
    """Deliver one row; safe to run twice, early, or after a worker died mid-send."""
    opened = _claim(ctx, sms_id)
    if opened is None:
        return
    try:
        result: SendResult = ctx.gateway.send(opened.recipient, opened.body)
    except Exception as error:  # The provider's SDK is an edge: whatever it raises is recorded.
        # A gateway bug must not lose the row: the call may or may not have gone out.
        log.error("SMS gateway raised %s for message %s", type(error).__name__, sms_id)
        result = NotAccepted("ambiguous", "gateway_" + type(error).__name__[:30])
    _record(ctx, sms_id, result)


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
        _record_sent(ctx, sms_id, result, now)
        log.info("SMS %s: accepted", sms_id)
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


def _record_sent(ctx: DeliveryContext, sms_id: int, result: Accepted, now: datetime) -> None:
    """The common case in one UPDATE (it takes the row lock itself): no SELECT ... FOR UPDATE
    first, one round trip fewer per SMS. Nothing depends on the row's old values here."""
    with ctx.sessions.begin() as db:
        db.execute(
            update(OutboundSms)
            .where(OutboundSms.id == sms_id)
            .values(
                status="sent",
                sent_at=now,
                provider_message_id=result.message_id,
                failure_class=None,
                failure_code=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )


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
