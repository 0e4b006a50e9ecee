"""Change a case under its row lock, at the version its editor saw; one audit entry per change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from flows.case_status import RECEIVED_WORD, reporter_word
from service.casework.vocab import (
    CLOSED,
    CLOSURE_REASONS,
    POLICE_COMPLAINT,
    REFERRAL_MOVES,
    REFERRAL_SERVICES,
    REOPENED,
    STATUS_MOVES,
    STATUSES,
)
from service.desk.casefile.access import find_visible_case, require_editor
from service.desk.casefile.actor import Actor
from service.desk.casefile.errors import BadTransition, InvalidInput, NotAllowed, StaleVersion
from service.desk.casefile.parts import CaseFileParts, audit, leave_for_worker
from service.desk.casefile.seen import mark_seen
from service.storage.casework_models import Assignment, CaseClosure, CaseNote, Referral
from service.storage.models import Case

Change = Callable[[Session, Case, Assignment | None], None]
# Statuses past "assigned": someone has taken the case up, so its holder's deadline stops.
TAKEN_UP = frozenset({"acknowledged", "in_contact", "referred", "follow_up", CLOSED})
NOTE_LIMIT = 2000
FOLLOW_UP_HORIZON = timedelta(days=366)


def edit_case(
    parts: CaseFileParts,
    actor: Actor,
    code: str,
    version: int,
    change: Change,
    *,
    coordinators_only: bool = False,
) -> int:
    """Run `change` on the locked case if it is still at `version`; return the new version.

    Refused with StaleVersion when someone changed the case since the editor opened it, so
    two people never silently overwrite each other; nothing is written then.
    """
    with parts.sessions.begin() as db:
        case, holder, _ = find_visible_case(db, parts, actor, code, lock=True)
        if coordinators_only and not actor.is_coordinator:
            raise NotAllowed("only a coordinator can do this")
        require_editor(actor, holder)
        if case.version != version:
            raise StaleVersion(version, case.version)
        change(db, case, holder)
        case.updated_at = parts.clock()
        # Always an UPDATE, so the version moves even when no column of the case changed.
        flag_modified(case, "updated_at")
        db.flush()
        # The editor's own change is not news to them.
        mark_seen(db, actor.id, case.id, parts.clock())
        new_version = case.version
    parts.wake()
    return new_version


def set_status(
    db: Session,
    parts: CaseFileParts,
    actor: Actor,
    case: Case,
    holder: Assignment | None,
    status: str,
    detail: str = "",
) -> None:
    """Move the case, stop the holder's deadline once taken up, tell the reporter if opted in."""
    before = case.status
    case.status = status
    if status in TAKEN_UP and holder is not None and holder.acknowledged_at is None:
        holder.acknowledged_at = parts.clock()
        audit(db, parts, actor, "acknowledged", case_id=case.id, officer_id=holder.officer_id)
    audit(db, parts, actor, "status_" + status, case_id=case.id, detail=detail)
    word = reporter_word(status)
    if word != reporter_word(before) and word != RECEIVED_WORD:
        # The worker sends it only if the reporter chose SMS and it is still current.
        leave_for_worker(db, parts, f"notify_reporter_{word}", case.id)


def change_status(
    parts: CaseFileParts,
    actor: Actor,
    code: str,
    *,
    version: int,
    status: str,
    closure_reason: str | None = None,
) -> int:
    """Move the case along its lifecycle; closing takes one of CLOSURE_REASONS."""
    if status not in STATUSES:
        raise InvalidInput("unknown status")
    if status == CLOSED and closure_reason not in CLOSURE_REASONS:
        raise InvalidInput("closing a case needs one of the closure reasons")
    if status != CLOSED and closure_reason is not None:
        raise InvalidInput("a closure reason goes only with closing")

    def change(db: Session, case: Case, holder: Assignment | None) -> None:
        if status not in STATUS_MOVES.get(case.status, frozenset()):
            raise BadTransition(f"a case cannot move from {case.status} to {status}")
        if status == CLOSED:
            if closure_reason is None:  # the checks above demand one; say so if they did not
                raise InvalidInput("closing a case needs one of the closure reasons")
            db.add(
                CaseClosure(
                    case_id=case.id,
                    officer_id=actor.officer_id,
                    staff_id=actor.id,
                    reason=closure_reason,
                    closed_at=parts.clock(),
                )
            )
        set_status(db, parts, actor, case, holder, status, closure_reason or "")
        if status == REOPENED:
            # The worker keeps a holder who still fits, or finds one (as when an officer leaves).
            leave_for_worker(db, parts, "reassign_case", case.id)

    return edit_case(parts, actor, code, version, change)


def add_referral(
    parts: CaseFileParts,
    actor: Actor,
    code: str,
    *,
    version: int,
    service: str,
    follow_up_on: date | None = None,
) -> int:
    """Record a referral (status proposed) to one of REFERRAL_SERVICES, with a follow-up date."""
    if service not in REFERRAL_SERVICES:
        raise InvalidInput("unknown referral service")
    _check_follow_up(parts, follow_up_on)

    def change(db: Session, case: Case, holder: Assignment | None) -> None:
        if case.status == CLOSED:
            raise BadTransition("a closed case takes no new referral; reopen it first")
        if service == POLICE_COMPLAINT and not case.police_ok:
            # Going to the police is always the reporter's own, explicit choice.
            raise NotAllowed("the reporter did not agree to a police complaint")
        last = db.scalar(select(func.max(Referral.number)).where(Referral.case_id == case.id))
        now = parts.clock()
        db.add(
            Referral(
                case_id=case.id,
                number=(last or 0) + 1,
                service=service,
                status="proposed",
                officer_id=actor.officer_id,
                staff_id=actor.id,
                follow_up_on=follow_up_on,
                created_at=now,
                updated_at=now,
            )
        )
        if case.status in ("referred", "follow_up"):
            audit(db, parts, actor, "referral_added", case_id=case.id, detail=service)
        else:
            set_status(db, parts, actor, case, holder, "referred", service)

    return edit_case(parts, actor, code, version, change)


def record_referral_outcome(
    parts: CaseFileParts, actor: Actor, code: str, *, version: int, number: int, outcome: str
) -> int:
    """Move referral `number`: proposed -> accepted -> service received | declined | unavailable."""

    def change(db: Session, case: Case, holder: Assignment | None) -> None:
        referral = _referral(db, case, number)
        if outcome not in REFERRAL_MOVES.get(referral.status, frozenset()):
            raise BadTransition(f"a referral cannot move from {referral.status} to {outcome}")
        referral.status = outcome
        referral.updated_at = parts.clock()
        if outcome == "service_received" and case.status == "referred":
            set_status(db, parts, actor, case, holder, "follow_up", outcome)
        else:
            audit(db, parts, actor, "referral_updated", case_id=case.id, detail=outcome)

    return edit_case(parts, actor, code, version, change)


def set_referral_follow_up(
    parts: CaseFileParts,
    actor: Actor,
    code: str,
    *,
    version: int,
    number: int,
    follow_up_on: date | None,
) -> int:
    """Set or clear the date on which referral `number` is to be followed up."""
    _check_follow_up(parts, follow_up_on)

    def change(db: Session, case: Case, _: Assignment | None) -> None:
        referral = _referral(db, case, number)
        referral.follow_up_on = follow_up_on
        referral.updated_at = parts.clock()
        detail = follow_up_on.isoformat() if follow_up_on else "cleared"
        audit(db, parts, actor, "referral_follow_up", case_id=case.id, detail=detail)

    return edit_case(parts, actor, code, version, change)


def add_note(parts: CaseFileParts, actor: Actor, code: str, *, version: int, text: str) -> int:
    """Add a note sealed to the report key, like an officer's NOTE; the log says only that."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("a note needs some text")
    if len(cleaned) > NOTE_LIMIT:
        raise InvalidInput(f"a note is at most {NOTE_LIMIT} characters")

    def change(db: Session, case: Case, _: Assignment | None) -> None:
        db.add(
            CaseNote(
                case_id=case.id,
                officer_id=actor.officer_id,
                staff_id=actor.id,
                content_sealed=parts.report_sealer.seal_report(
                    cleaned.encode("utf-8"), "note:" + case.ref
                ),
                created_at=parts.clock(),
            )
        )
        audit(db, parts, actor, "note_added", case_id=case.id)

    return edit_case(parts, actor, code, version, change)


def _referral(db: Session, case: Case, number: int) -> Referral:
    referral = db.scalars(
        select(Referral)
        .where(Referral.case_id == case.id, Referral.number == number)
        .with_for_update()
    ).first()
    if referral is None:
        raise InvalidInput("no referral with that number")
    return referral


def _check_follow_up(parts: CaseFileParts, follow_up_on: date | None) -> None:
    if follow_up_on is None:
        return
    today = parts.clock().date()
    if not today <= follow_up_on <= today + FOLLOW_UP_HORIZON:
        raise InvalidInput("a follow-up date is between today and a year from now")
