"""The "needs structuring" queue: free-text SMS kept sealed, opened by coordinators (audited),
turned into a case through the same intake as USSD, or set aside with a reason."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.contexts import INBOX_ITEM, context
from flows import SubmitCase
from flows.envelope import (
    CONTACTS,
    GBV_TYPES,
    HELP_TYPES,
    PERPETRATORS,
    PROVINCES,
    REPORT_HELP,
    WHEN_DAYS,
)
from service.casework.structured_contact import ATTACH_CONTACT_JOB, WANTS_CONTACT
from service.casework.vocab import DISCARD_REASONS
from service.desk.casefile.access import require_coordinator
from service.desk.casefile.actor import Actor
from service.desk.casefile.disclosure import check_reason
from service.desk.casefile.errors import CaseNotFound, InvalidInput, ItemNotFound
from service.desk.casefile.parts import CaseFileParts, audit, leave_for_worker
from service.desk.casefile.seen import mark_seen
from service.storage.casework_models import StructuringItem
from service.storage.models import Case

YES_NO = frozenset({"yes", "no"})
# What a coordinator fills in, per kind: the codes the USSD menus would have produced.
REPORT_FIELDS: Mapping[str, frozenset[str]] = {
    "what": frozenset(GBV_TYPES),
    "danger": YES_NO,
    "when": frozenset({*WHEN_DAYS, "earlier"}),
    "who": PERPETRATORS,
    "province": PROVINCES,
    "help": REPORT_HELP,
    "contact": CONTACTS,
    "police_ok": YES_NO,
}
HELP_FIELDS: Mapping[str, frozenset[str]] = {
    "help": HELP_TYPES,
    "province": PROVINCES,
    "contact": CONTACTS,
}


@dataclass(frozen=True)
class WaitingMessage:
    """One free-text SMS waiting: no content, no number."""

    id: int
    received_at: datetime
    lang: str


@dataclass(frozen=True)
class OpenedMessage:
    """A free-text SMS opened for one display. Never store or cache it."""

    id: int
    received_at: datetime
    lang: str
    text: str


@dataclass(frozen=True)
class StructuredCase:
    """The case made from a message: its id and code (to open its case file)."""

    case_id: int
    code: str


def list_waiting(parts: CaseFileParts, actor: Actor, limit: int = 100) -> list[WaitingMessage]:
    """The oldest messages waiting for a coordinator."""
    require_coordinator(actor)
    with parts.sessions() as db:
        rows = db.scalars(
            select(StructuringItem)
            .where(StructuringItem.status == "new")
            .order_by(StructuringItem.received_at, StructuringItem.id)
            .limit(limit)
        ).all()
        return [WaitingMessage(r.id, r.received_at, r.lang) for r in rows]


def open_message(parts: CaseFileParts, actor: Actor, item_id: int, *, reason: str) -> OpenedMessage:
    """The text of one waiting message, after the audit entry is committed."""
    require_coordinator(actor)
    check_reason(reason)
    with parts.sessions.begin() as db:
        item = _waiting(db, item_id)
        audit(db, parts, actor, "message_opened", detail=f"inbox:{item.id}:{reason}"[:64])
        opened = (item.id, item.received_at, item.lang, item.ref, item.content_sealed)
    item_id, received_at, lang, ref, sealed = opened
    text = parts.report_opener.open_report(sealed, context(INBOX_ITEM, ref)).decode("utf-8")
    return OpenedMessage(item_id, received_at, lang, text)


def structure_message(
    parts: CaseFileParts,
    actor: Actor,
    item_id: int,
    *,
    kind: str,
    answers: Mapping[str, str],
) -> StructuredCase:
    """Make a case from the message: the same envelope and sealing as a USSD report.

    The message's text becomes the case's description. The sender's number cannot be opened
    here; when `contact` is sms or call, the worker seals it to the case (outbox job).
    """
    require_coordinator(actor)
    fields = _check_answers(kind, answers)
    with parts.sessions() as db:
        item = _waiting(db, item_id)
        ref, sealed, lang = item.ref, item.content_sealed, item.lang
    text = parts.report_opener.open_report(sealed, context(INBOX_ITEM, ref)).decode("utf-8")
    contact = fields.get("contact", "none")
    submitted_answers = {**fields, "contact": "none"}
    if kind == "report":
        submitted_answers["description"] = text
    # One session per message: structuring the same message twice finds the same case.
    session = hashlib.sha256(b"handsoff/structured/v1\x00" + ref.encode()).hexdigest()
    submitted = parts.intake.submit(
        SubmitCase(kind, "final", submitted_answers),  # type: ignore[arg-type]  # kind was checked against the two kinds above
        session_digest=session,
        phone="",  # Contact "none": the intake seals no number; the worker adds it below.
        lang=lang,
        now=parts.clock(),
    )
    with parts.sessions.begin() as db:
        done = db.get(StructuringItem, item_id, with_for_update=True)
        if done is not None and done.status == "structured" and done.case_id == submitted.case_id:
            # Two clicks: the second found the first's case (one session per message).
            return StructuredCase(submitted.case_id, submitted.code)
        item = _waiting(db, item_id, lock=True)
        case = db.get(Case, submitted.case_id, with_for_update=True)
        if case is None:  # committed in this very transaction: it cannot be gone
            raise CaseNotFound()
        case.contact = contact
        case.contact_digest = item.contact_digest if contact == "sms" else None
        if contact in WANTS_CONTACT:
            leave_for_worker(db, parts, ATTACH_CONTACT_JOB, case.id)
        item.status, item.case_id = "structured", case.id
        item.handled_at, item.staff_id = parts.clock(), actor.id
        audit(db, parts, actor, "message_structured", case_id=case.id, detail=f"inbox:{item.id}")
        mark_seen(db, actor.id, case.id, parts.clock())
    parts.wake()  # the new case's assign_case row, and the contact's
    return StructuredCase(submitted.case_id, submitted.code)


def discard_message(parts: CaseFileParts, actor: Actor, item_id: int, *, reason: str) -> None:
    """Set a message aside with one of DISCARD_REASONS; it leaves the queue."""
    require_coordinator(actor)
    if reason not in DISCARD_REASONS:
        raise InvalidInput("say why: choose one of the reasons")
    with parts.sessions.begin() as db:
        item = _waiting(db, item_id, lock=True)
        item.status, item.discard_reason = "discarded", reason
        item.handled_at, item.staff_id = parts.clock(), actor.id
        audit(db, parts, actor, "message_discarded", detail=f"inbox:{item.id}:{reason}"[:64])


def _waiting(db: Session, item_id: int, *, lock: bool = False) -> StructuringItem:
    query = select(StructuringItem).where(
        StructuringItem.id == item_id, StructuringItem.status == "new"
    )
    if lock:
        query = query.with_for_update()
    item = db.scalars(query).first()
    if item is None:
        raise ItemNotFound()
    return item


def _check_answers(kind: str, answers: Mapping[str, str]) -> dict[str, str]:
    """Every field filled with a known code; the message names the first that is not."""
    table = {"report": REPORT_FIELDS, "help": HELP_FIELDS}.get(kind)
    if table is None:
        raise InvalidInput("kind is report or help")
    checked: dict[str, str] = {}
    for name, allowed in table.items():
        value = answers.get(name)
        if value not in allowed:
            raise InvalidInput(f"{name}: choose one of the listed values")
        checked[name] = value
    extra = set(answers) - set(table)
    if extra:
        raise InvalidInput(f"unknown field {sorted(extra)[0]}")
    return checked
