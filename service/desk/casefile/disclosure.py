"""Open sealed content for one display, and ask for the reporter's number: audited first.

The audit entry is committed before anything is opened: if it cannot be written, nothing is
shown. Nothing opened is stored or cached here; the page shows it once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from service.casework.assignment import may_hold
from service.casework.vocab import CLOSED, DISCLOSURE_REASONS
from service.desk.casefile.access import find_visible_case, is_holder, require_editor
from service.desk.casefile.actor import Actor
from service.desk.casefile.errors import BadTransition, InvalidInput, NotAllowed
from service.desk.casefile.parts import CaseFileParts, audit, leave_for_worker
from service.storage.casework_models import CaseNote, ContactRequest, Officer


@dataclass(frozen=True)
class OpenedNote:
    """One note, opened: when, who wrote it (officer:N or staff:N), what it says."""

    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class SealedContent:
    """A case's sealed content, opened for one display. Never store or cache it."""

    kind: str
    answers: Mapping[str, str]
    description: str | None
    notes: tuple[OpenedNote, ...]


def check_reason(reason: str) -> None:
    if reason not in DISCLOSURE_REASONS:
        raise InvalidInput("say why: choose one of the reasons")


def open_content(parts: CaseFileParts, actor: Actor, code: str, *, reason: str) -> SealedContent:
    """The answers, description and notes of a case, after the audit entry is committed."""
    check_reason(reason)
    with parts.sessions.begin() as db:
        case, holder, _ = find_visible_case(db, parts, actor, code)
        require_editor(actor, holder)
        audit(db, parts, actor, "content_opened", case_id=case.id, detail=reason)
        ref, blob = case.ref, case.content_sealed
        notes = [
            (n.created_at, _author(n), n.content_sealed)
            for n in db.scalars(
                select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)
            )
        ]
    # Committed: only now is anything opened.
    content = json.loads(parts.report_opener.open_report(blob, ref))
    answers = {str(k): str(v) for k, v in dict(content.get("answers", {})).items()}
    return SealedContent(
        kind=str(content.get("kind", "")),
        answers=answers,
        description=answers.get("description"),
        notes=tuple(
            OpenedNote(at, author, parts.report_opener.open_report(sealed, "note:" + ref).decode())
            for at, author, sealed in notes
        ),
    )


def _author(note: CaseNote) -> str:
    if note.staff_id is not None:
        return f"staff:{note.staff_id}"
    return f"officer:{note.officer_id}"


def request_call_back(parts: CaseFileParts, actor: Actor, code: str, *, reason: str) -> None:
    """Send the reporter's number to the holder's phone, as the SMS command TEL does.

    Only the officer holding the case, and only when the reporter asked for a call. The desk
    cannot open the number (the worker's contact key): the worker re-checks the holder, texts
    the number to their registered phone, and audits the disclosure.
    """
    check_reason(reason)
    with parts.sessions.begin() as db:
        case, holder, _ = find_visible_case(db, parts, actor, code, lock=True)
        if not is_holder(actor, holder) or holder is None:
            raise NotAllowed("only the officer holding the case can call the reporter back")
        officer = db.get(Officer, holder.officer_id)
        if officer is None or not may_hold(case, officer):
            raise NotAllowed("only the officer holding the case can call the reporter back")
        if case.status == CLOSED:
            raise BadTransition("the case is closed")
        if case.contact != "call" or case.contact_sealed is None:
            raise NotAllowed("the reporter did not ask for a call")
        db.add(ContactRequest(case_id=case.id, officer_id=officer.id, requested_at=parts.clock()))
        audit(db, parts, actor, "contact_requested", case_id=case.id, detail=reason)
        leave_for_worker(db, parts, "disclose_contact", case.id)
    parts.wake()
