"""Inbound SMS and delivery reports on the web, after the adapter has validated them.

The web holds public keys and no number key: an inbound SMS is stored with its sender and text
sealed to the worker's key, with a job for the worker, and acknowledged; the worker matches the
sender and runs the command (service/casework/inbound_commands.py). Delivery reports are matched
by the aggregator's message id, which identifies nobody.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crypto import ContactSealer
from service.casework.inbound_commands import PENDING, seal_inbound
from service.clock import to_the_hour
from service.intake.counters import Counters
from service.messaging.africastalking.callbacks import (
    DELIVERED,
    FAILED,
    NOT_FINAL,
    DeliveryReport,
    InboundSms,
)
from service.messaging.delivery import undelivered_alert_job
from service.queueing.outbox import Dispatcher
from service.storage.casework_models import InboundSmsSeen, OutboundSms
from service.storage.models import OutboxJob

log = logging.getLogger(__name__)

HANDLE_INBOUND_JOB = "handle_inbound_sms"
# Delivery statuses that may replace each current status (a late "Sent" never undoes "Success").
REPLACEABLE = frozenset({"sent", "unknown"})


class SmsInbox:
    """Receive SMS callbacks: store each inbound SMS sealed for the worker; record deliveries."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        sealer: ContactSealer,
        dispatcher: Dispatcher,
        counters: Counters,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._sealer = sealer
        self._dispatcher = dispatcher
        self._counters = counters
        self._clock = clock

    def receive(self, message: InboundSms) -> None:
        """Store one inbound SMS once, sealed, with the worker's job; a repeated id is ignored.

        Any other failure propagates, so the callback fails and the aggregator tries again.
        """
        try:
            outbox_id = self._store(message)
        except IntegrityError:
            if not self._seen_before(message.message_id):
                raise
            # The id is already recorded: the aggregator retried a message we stored.
            self._counters.bump("sms.inbound.duplicate")
            return
        self._counters.bump("sms.inbound.stored")
        self._dispatcher.enqueue([outbox_id])

    def _store(self, message: InboundSms) -> int:
        with self._sessions.begin() as db:
            ref = secrets.token_hex(16)
            now = self._clock()
            seen = InboundSmsSeen(
                provider_id=message.message_id,
                received_at=to_the_hour(now),  # only the retry window needs it
                handled_as=PENDING,
                ref=ref,
                message_sealed=seal_inbound(self._sealer, ref, message.sender, message.text),
            )
            db.add(seen)
            db.flush()  # A duplicate id fails here.
            job = OutboxJob(job=HANDLE_INBOUND_JOB, inbound_sms_id=seen.id, created_at=now)
            db.add(job)
            db.flush()
            return job.id

    def _seen_before(self, message_id: str) -> bool:
        with self._sessions() as db:
            found = db.scalar(
                select(InboundSmsSeen.id).where(InboundSmsSeen.provider_id == message_id)
            )
        return found is not None

    def delivery_report(self, report: DeliveryReport) -> None:
        """Record the aggregator's word on a message we sent, found by its message id.

        A final failure of an officer's alert writes an `alert_undelivered` outbox row in the
        same transaction: the worker hands the case on at once instead of at the deadline.
        """
        self._counters.bump(f"sms.delivery.{report.status}")
        outcome = self._apply_delivery_report(report)
        if outcome is None:
            self._counters.bump("sms.delivery.unknown_id")
        elif outcome == "late":
            self._counters.bump("sms.delivery.late_final")
        elif isinstance(outcome, int):
            self._dispatcher.enqueue([outcome])

    def _apply_delivery_report(self, report: DeliveryReport) -> int | str | None:
        """None: no such message; "late": a final word had come already; an outbox id; or ""."""
        with self._sessions.begin() as db:
            row = db.scalars(
                select(OutboundSms)
                .where(OutboundSms.provider_message_id == report.message_id)
                .with_for_update()
            ).one_or_none()
            if row is None:
                return None
            if row.status not in REPLACEABLE:
                # The first final word wins (a late Failed after Success, or the reverse, is
                # counted, not written): status and delivery_status always tell one story.
                return "late" if report.status not in NOT_FINAL else ""
            now = self._clock()
            row.delivery_status = report.status
            row.updated_at = now
            if report.status in DELIVERED:
                row.status = "delivered"
            elif report.status in FAILED:
                row.status = "failed"
                row.failure_class = "delivery"
                row.failure_code = (report.failure_reason or report.status)[:48]
                return undelivered_alert_job(db, row, now) or ""
            elif report.status in NOT_FINAL:
                row.status = "sent"
            return ""
