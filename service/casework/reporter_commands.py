"""What a reporter can text: STOP, STATUS <code> <PIN>, HELP; anything else is kept sealed."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crypto import ContactSealer, NumberHasher, ReportSealer
from crypto.contexts import INBOX_ITEM, context
from service.casework.sms_commands import FreeText, ReporterCommand
from service.casework.texts import DEFAULT_LANG, SmsTexts
from service.casework.vocab import REPORTER_WORDS
from service.clock import to_the_hour
from service.intake.callers import CallerPseudonyms
from service.intake.status_check import PENDING, StatusChecker
from service.storage.casework_models import OutboundSms, StructuringItem
from service.storage.models import Case

# Characters kept of one free-text message; the rest is dropped and the sender told so.
MAX_FREE_TEXT = 1600
# The sender is told when a message was not kept whole (too long, or over the day's budget).
TEXT_LIMIT = "reporter.text_limit"

# The status checker's screen keys, as SMS texts: one per reporter-facing word.
STATUS_TEXTS = {f"status.{word}": f"reporter.{word}" for word in REPORTER_WORDS}
# A case not yet registered for status checks (its first seconds), told to its own number only.
STATUS_TEXTS[PENDING] = "reporter.status_pending"


@dataclass(frozen=True)
class ReporterResult:
    """The reply for the sender, if any, and how the message was handled (a count name)."""

    reply: str | None
    handled_as: str


class ReporterCommands:
    """Answer reporters by SMS with the same rules as USSD: neutral words, one refusal for all."""

    def __init__(
        self,
        *,
        numbers: NumberHasher,
        report_sealer: ReportSealer,
        contact_sealer: ContactSealer,
        status: StatusChecker,
        texts: SmsTexts,
        clock: Callable[[], datetime],
        callers: CallerPseudonyms,
    ) -> None:
        self._callers = callers
        self._numbers = numbers
        self._report_sealer = report_sealer
        self._contact_sealer = contact_sealer
        self._status = status
        self._texts = texts
        self._clock = clock

    def run(
        self,
        db: Session,
        sender: str,
        message: ReporterCommand | FreeText,
        *,
        over_budget: bool = False,
    ) -> ReporterResult:
        """Answer one message; free text over the sender's daily budget is not kept."""
        digest = self._numbers.number_digest(sender)
        if isinstance(message, FreeText):
            if over_budget:
                lang = self._lang_of(db, digest)
                return ReporterResult(self._texts.render(lang, TEXT_LIMIT), "free_text_over_limit")
            return self._keep_free_text(db, sender, digest, message.text)
        lang = message.lang
        if message.verb == "stop":
            self._stop(db, digest)
            # No reply: STOP means no more SMS, starting now.
            return ReporterResult(None, "reporter_stop")
        if message.verb == "help":
            return ReporterResult(self._texts.render(lang, "reporter.help"), "reporter_help")
        if not message.code:
            return ReporterResult(
                self._texts.render(lang, "reporter.status_usage"), "reporter_status"
            )
        # The same pseudonym as on USSD: one budget of guesses per number, whatever the channel.
        screen = self._status.check(message.code, message.pin, self._callers.now(sender), sender)
        key = STATUS_TEXTS.get(screen)
        if key is None:
            return ReporterResult(
                self._texts.render(lang, "reporter.status_unknown"), "reporter_status"
            )
        return ReporterResult(self._texts.render(lang, key, code=message.code), "reporter_status")

    def _stop(self, db: Session, digest: str) -> None:
        """Opt every case of this number out, and cancel updates not yet sent."""
        case_ids = db.scalars(select(Case.id).where(Case.contact_digest == digest)).all()
        if not case_ids:
            return
        db.execute(update(Case).where(Case.id.in_(case_ids)).values(sms_opt_out=True))
        db.execute(
            update(OutboundSms)
            .where(
                OutboundSms.case_id.in_(case_ids),
                OutboundSms.purpose == "reporter_update",
                OutboundSms.status.in_(("pending", "retry")),
            )
            .values(status="cancelled", updated_at=self._clock())
        )

    def _keep_free_text(self, db: Session, sender: str, digest: str, text: str) -> ReporterResult:
        ref = secrets.token_hex(16)
        lang = self._lang_of(db, digest)
        db.add(
            StructuringItem(
                ref=ref,
                content_sealed=self._report_sealer.seal_report(
                    text[:MAX_FREE_TEXT].encode("utf-8"), context(INBOX_ITEM, ref)
                ),
                contact_sealed=self._contact_sealer.seal_for_worker(
                    sender, context(INBOX_ITEM, ref)
                ),
                contact_digest=digest,
                lang=lang,
                status="new",
                received_at=to_the_hour(self._clock()),
            )
        )
        if len(text) > MAX_FREE_TEXT:
            return ReporterResult(self._texts.render(lang, TEXT_LIMIT), "free_text_cut")
        return ReporterResult(self._texts.render(lang, "reporter.thanks"), "free_text")

    def _lang_of(self, db: Session, digest: str) -> str:
        """The language of the sender's latest case that agreed to SMS, else the default."""
        lang = db.scalar(
            select(Case.lang)
            .where(Case.contact_digest == digest)
            .order_by(Case.created_at.desc())
            .limit(1)
        )
        return lang or DEFAULT_LANG
