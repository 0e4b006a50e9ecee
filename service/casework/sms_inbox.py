"""Inbound SMS and delivery reports, after the adapter has validated them.

Runs in the web process, which holds public keys and secrets only: replies are written as sealed
outbound rows and sent by the worker; anything needing a private key is an outbox job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crypto import SecretHasher
from service.casework.officer_commands import OfficerCommands
from service.casework.reporter_commands import ReporterCommands
from service.casework.sms_commands import (
    FreeText,
    OfficerCommand,
    looks_like_officer_command,
    parse_officer,
    parse_reporter,
)
from service.intake.callers import CallerPseudonyms
from service.intake.counters import Counters
from service.messaging.africastalking.callbacks import (
    DELIVERED,
    FAILED,
    NOT_FINAL,
    DeliveryReport,
    InboundSms,
)
from service.messaging.delivery import undelivered_alert_job
from service.messaging.dispatch import SmsDispatcher
from service.messaging.outbound import OFFICER, REPORTER, OutboundWriter
from service.queueing.outbox import Dispatcher
from service.storage.casework_models import InboundSmsSeen, Officer, OutboundSms
from service.storage.kv import KeyValueStore, StoreUnavailable

log = logging.getLogger(__name__)

# Replies per number per hour: a flood of texts must not become a flood of paid replies.
OFFICER_REPLIES_PER_HOUR = 60
REPORTER_REPLIES_PER_HOUR = 10
# Delivery statuses that may replace each current status (a late "Sent" never undoes "Success").
REPLACEABLE = frozenset({"sent", "unknown"})


@dataclass(frozen=True)
class _Handled:
    outbox_ids: list[int]
    reply_id: int | None
    handled_as: str


class SmsInbox:
    """Receive SMS callbacks: officer commands, reporters' STOP/STATUS/HELP, free text."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        hasher: SecretHasher,
        officer_commands: OfficerCommands,
        reporter_commands: ReporterCommands,
        outbound: OutboundWriter,
        dispatcher: Dispatcher,
        sms: SmsDispatcher,
        store: KeyValueStore,
        counters: Counters,
        clock: Callable[[], datetime],
        callers: CallerPseudonyms,
    ) -> None:
        self._callers = callers
        self._sessions = sessions
        self._hasher = hasher
        self._officer_commands = officer_commands
        self._reporter_commands = reporter_commands
        self._outbound = outbound
        self._dispatcher = dispatcher
        self._sms = sms
        self._store = store
        self._counters = counters
        self._clock = clock

    def receive(self, message: InboundSms) -> None:
        """Handle one inbound SMS once; a repeat of the same id is acknowledged and ignored.

        Any other failure propagates, so the callback fails and the aggregator tries again.
        """
        try:
            handled = self._handle(message)
        except IntegrityError:
            if not self._seen_before(message.message_id):
                raise  # Another conflict (two commands at once): let the aggregator retry.
            # The id is already recorded: the aggregator retried a message we handled.
            self._counters.bump("sms.inbound.duplicate")
            return
        self._counters.bump(f"sms.inbound.{handled.handled_as}")
        self._dispatcher.enqueue(handled.outbox_ids)
        if handled.reply_id is not None:
            self._sms.enqueue([handled.reply_id])

    def _handle(self, message: InboundSms) -> _Handled:
        with self._sessions.begin() as db:
            seen = InboundSmsSeen(
                provider_id=message.message_id, received_at=self._clock(), handled_as="pending"
            )
            db.add(seen)
            db.flush()  # A duplicate id fails here, before anything else is done.
            digest = self._hasher.officer_digest(message.sender)
            officer = db.scalars(
                select(Officer).where(Officer.phone_digest == digest, Officer.active.is_(True))
            ).first()
            outbox_ids: list[int] = []
            if officer is not None:
                reply, audience = self._officer_command(db, officer, message, outbox_ids)
                seen.handled_as = "officer_command"
            elif looks_like_officer_command(message.text):
                # A stranger gets no answer to an officer command, so the channel reveals
                # nothing; the text is still kept (sealed) for coordinators, since a reporter
                # may have written "Ok" or a number in a message of their own.
                self._reporter_commands.run(db, message.sender, FreeText(message.text))
                seen.handled_as = "ignored"
                reply, audience = None, REPORTER
            else:
                result = self._reporter_commands.run(
                    db, message.sender, parse_reporter(message.text)
                )
                seen.handled_as = result.handled_as
                reply, audience = result.reply, REPORTER
            reply_id = None
            if reply is not None and self._may_reply(message.sender, audience):
                reply_id = self._outbound.add(
                    db,
                    recipient=message.sender,
                    body=reply,
                    purpose=f"{audience}_reply",
                    audience=audience,
                    officer_id=officer.id if officer is not None else None,
                    dedupe_key=f"reply:{seen.id}",
                ).id
            return _Handled(outbox_ids, reply_id, seen.handled_as)

    def _seen_before(self, message_id: str) -> bool:
        with self._sessions() as db:
            found = db.scalar(
                select(InboundSmsSeen.id).where(InboundSmsSeen.provider_id == message_id)
            )
        return found is not None

    def _officer_command(
        self, db: Session, officer: Officer, message: InboundSms, outbox_ids: list[int]
    ) -> tuple[str | None, str]:
        parsed = parse_officer(message.text)
        # A first word that is no command at all gets the command list, not "incomplete".
        command = parsed if parsed is not None else OfficerCommand("help")
        result = self._officer_commands.run(db, officer, command)
        db.flush()
        outbox_ids.extend(row.id for row in result.outbox)
        return result.reply, OFFICER

    def _may_reply(self, sender: str, audience: str) -> bool:
        limit = OFFICER_REPLIES_PER_HOUR if audience == OFFICER else REPORTER_REPLIES_PER_HOUR
        try:
            # Keyed by the daily pseudonym, never by the lasting digest stored in SQL.
            return self._store.incr(f"hs:rl:sms:{self._callers.now(sender)}", 3600) <= limit
        except StoreUnavailable:
            return True  # Answering matters more than the cost cap.

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
