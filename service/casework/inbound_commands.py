"""Inbound SMS on the worker: open the sealed message, match its sender, run the command, reply.

The web stored the message sealed to the worker's key and answered the aggregator; matching a
sender to an officer or to a reporter's cases needs the number key, which only the worker holds
(docs/privacy.md). Handling a message twice does nothing the second time.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crypto import ContactOpener, ContactSealer, NumberHasher, SealBroken
from crypto.contexts import INBOUND_SMS, context
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
from service.messaging.dispatch import SmsDispatcher
from service.messaging.outbound import OFFICER, REPORTER, OutboundWriter
from service.queueing.outbox import Dispatcher
from service.storage.casework_models import InboundSmsSeen, Officer
from service.storage.kv import KeyValueStore, StoreUnavailable

log = logging.getLogger(__name__)

PENDING = "pending"
# Replies per number per hour: a flood of texts must not become a flood of paid replies.
OFFICER_REPLIES_PER_HOUR = 60
REPORTER_REPLIES_PER_HOUR = 10
# Free-text messages kept per number per day (each up to MAX_FREE_TEXT characters): a flood of
# texts cannot fill the coordinators' queue. The first message over it is answered by SMS (even
# past the hourly reply budget), later ones are dropped unanswered, so a flood cannot become a
# flood of paid replies either. The aggregator always gets its 200.
FREE_TEXTS_PER_DAY = 20


def seal_inbound(sealer: ContactSealer, ref: str, sender: str, text: str) -> bytes:
    """Seal an inbound SMS's sender and text for the worker (the web calls this)."""
    message = json.dumps({"from": sender, "text": text}, ensure_ascii=False)
    return sealer.seal_for_worker(message, context(INBOUND_SMS, ref))


@dataclass(frozen=True)
class _Opened:
    sender: str
    text: str


@dataclass(frozen=True)
class _Handled:
    outbox_ids: list[int]
    reply_id: int | None
    handled_as: str


class InboundCommands:
    """Run one stored inbound SMS: officer commands, reporters' STOP/STATUS/HELP, free text."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        opener: ContactOpener,
        numbers: NumberHasher,
        officer_commands: OfficerCommands,
        reporter_commands: ReporterCommands,
        outbound: OutboundWriter,
        dispatcher: Dispatcher,
        sms: SmsDispatcher,
        store: KeyValueStore,
        counters: Counters,
        callers: CallerPseudonyms,
    ) -> None:
        self._sessions = sessions
        self._opener = opener
        self._numbers = numbers
        self._officer_commands = officer_commands
        self._reporter_commands = reporter_commands
        self._outbound = outbound
        self._dispatcher = dispatcher
        self._sms = sms
        self._store = store
        self._counters = counters
        self._callers = callers

    def handle(self, inbound_id: int | None) -> None:
        """Handle the stored message once, then enqueue what it wrote (after the commit)."""
        if inbound_id is None:
            return
        handled = self._handle(inbound_id)
        if handled is None:
            return
        self._counters.bump(f"sms.inbound.{handled.handled_as}")
        self._dispatcher.enqueue(handled.outbox_ids)
        if handled.reply_id is not None:
            self._sms.enqueue([handled.reply_id])

    def _handle(self, inbound_id: int) -> _Handled | None:
        with self._sessions.begin() as db:
            seen = db.scalars(
                select(InboundSmsSeen).where(InboundSmsSeen.id == inbound_id).with_for_update()
            ).one_or_none()
            if seen is None or seen.handled_as != PENDING or seen.message_sealed is None:
                return None  # handled already (a second run of the job)
            message = self._open(seen)
            # Kept no longer than needed: what it said now lives in the command's effects.
            seen.message_sealed = None
            if message is None:
                seen.handled_as = "unreadable"
                return _Handled([], None, seen.handled_as)
            return self._run(db, seen, message)

    def _open(self, seen: InboundSmsSeen) -> _Opened | None:
        try:
            raw = self._opener.open_for_worker(
                seen.message_sealed or b"", context(INBOUND_SMS, seen.ref or "")
            )
            data = json.loads(raw)
            return _Opened(str(data["from"]), str(data["text"]))
        except (SealBroken, ValueError, KeyError, TypeError) as error:
            log.error("inbound SMS %s does not open: %s", seen.id, type(error).__name__)
            return None

    def _run(self, db: Session, seen: InboundSmsSeen, message: _Opened) -> _Handled:
        digest = self._numbers.number_digest(message.sender)
        officer = db.scalars(
            select(Officer).where(Officer.phone_digest == digest, Officer.active.is_(True))
        ).first()
        outbox_ids: list[int] = []
        if officer is not None:
            parsed = parse_officer(message.text)
            # A first word that is no command at all gets the command list, not "incomplete".
            result = self._officer_commands.run(
                db, officer, parsed if parsed is not None else OfficerCommand("help")
            )
            db.flush()
            outbox_ids.extend(row.id for row in result.outbox)
            reply, audience, must_tell = result.reply, OFFICER, False
            seen.handled_as = "officer_command"
        else:
            reply, seen.handled_as, must_tell = self._reporter_message(db, message)
            audience = REPORTER
        reply_id = None
        if reply is not None and (must_tell or self._may_reply(message.sender, audience)):
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

    def _reporter_message(self, db: Session, message: _Opened) -> tuple[str | None, str, bool]:
        """Answer a number that is no officer's: (reply, how it was handled, whether the reply
        is the one that tells the sender their free text is over today's budget)."""
        if looks_like_officer_command(message.text):
            # A stranger gets no answer to an officer command, so the channel reveals nothing;
            # the text is still kept (sealed) for coordinators, since a reporter may have
            # written "Ok" or a number in a message of their own.
            over, _ = self._free_text_budget(message.sender)
            self._reporter_commands.run(
                db, message.sender, FreeText(message.text), over_budget=over
            )
            return None, "ignored", False
        parsed = parse_reporter(message.text)
        if not isinstance(parsed, FreeText):
            result = self._reporter_commands.run(db, message.sender, parsed)
            return result.reply, result.handled_as, False
        over, told_now = self._free_text_budget(message.sender)
        result = self._reporter_commands.run(db, message.sender, parsed, over_budget=over)
        # Past the budget, only the first message is answered: a flood gets one reply.
        return (None if over and not told_now else result.reply), result.handled_as, told_now

    def _free_text_budget(self, sender: str) -> tuple[bool, bool]:
        """Count one free text: (over today's budget, first message over it)."""
        try:
            count = self._store.incr(f"hs:ft:{self._callers.now(sender)}", 86400)
        except StoreUnavailable:
            return False, False  # Keeping a message matters more than the cap.
        return count > FREE_TEXTS_PER_DAY, count == FREE_TEXTS_PER_DAY + 1

    def _may_reply(self, sender: str, audience: str) -> bool:
        limit = OFFICER_REPLIES_PER_HOUR if audience == OFFICER else REPORTER_REPLIES_PER_HOUR
        try:
            # Keyed by the daily pseudonym, never by the lasting digest stored in SQL.
            return self._store.incr(f"hs:rl:sms:{self._callers.now(sender)}", 3600) <= limit
        except StoreUnavailable:
            return True  # Answering matters more than the cost cap.
