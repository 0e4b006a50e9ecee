"""What the case page can do: refer, record a referral's outcome, close; each audited.

A stand-in for the case-file layer (service/desk/casefile/) until it lands: the same rules as
the officers' SMS commands (service/casework/officer_commands.py), and a version check so two
people saving the same case at once never silently overwrite each other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from service.casework.audit import record_event
from service.casework.vocab import (
    CLOSED,
    CLOSURE_REASONS,
    POLICE_COMPLAINT,
    REFERRAL_MOVES,
    REFERRAL_SERVICES,
)
from service.storage.casework_models import Assignment, CaseClosure, Referral
from service.storage.models import Case, OutboxJob


class ActionRefused(Exception):
    """The change was not made; the message key says why (shown to the staff member)."""


def version_of(case: Case) -> str:
    """What the form carries back, so a save over someone else's newer change is refused."""
    return case.updated_at.isoformat(timespec="microseconds")


def _check(case: Case, version: str) -> None:
    if version != version_of(case):
        raise ActionRefused("err.stale")
    if case.status == CLOSED:
        raise ActionRefused("err.closed")


def _holder(db: Session, case: Case) -> int:
    assignment = db.scalars(
        select(Assignment).where(Assignment.case_id == case.id, Assignment.ended_at.is_(None))
    ).one_or_none()
    if assignment is None:
        raise ActionRefused("err.unassigned")
    return assignment.officer_id


def _outbox(db: Session, job: str, case: Case, now: datetime) -> None:
    # Left waiting (enqueued_at NULL): the worker's relay or the embedded sweep enqueues it.
    db.execute(
        insert(OutboxJob).values(
            job=job, case_id=case.id, created_at=now, enqueued_at=None, attempts=0
        )
    )


def _touch(db: Session, case: Case, actor: str, action: str, now: datetime, detail: str) -> None:
    case.updated_at = now
    record_event(db, at=now, actor=actor, action=action, case_id=case.id, detail=detail)


def refer(db: Session, case: Case, *, service: str, version: str, actor: str, now: datetime) -> int:
    """Record a referral (status proposed); returns its number."""
    _check(case, version)
    if service not in REFERRAL_SERVICES:
        raise ActionRefused("err.filter")
    if service == POLICE_COMPLAINT and not case.police_ok:
        raise ActionRefused("err.police_consent")
    officer_id = _holder(db, case)
    last = db.scalar(select(func.max(Referral.number)).where(Referral.case_id == case.id))
    number = (last or 0) + 1
    db.add(
        Referral(
            case_id=case.id,
            number=number,
            service=service,
            status="proposed",
            officer_id=officer_id,
            created_at=now,
            updated_at=now,
        )
    )
    if case.status not in ("referred", "follow_up"):
        case.status = "referred"
        _touch(db, case, actor, "status_referred", now, service)
        _outbox(db, "notify_reporter_referred", case, now)
    else:
        _touch(db, case, actor, "referral_added", now, service)
    return number


def record_outcome(
    db: Session, case: Case, *, number: int, outcome: str, version: str, actor: str, now: datetime
) -> None:
    _check(case, version)
    referral = db.scalars(
        select(Referral).where(Referral.case_id == case.id, Referral.number == number)
    ).one_or_none()
    if referral is None or outcome not in REFERRAL_MOVES.get(referral.status, frozenset()):
        raise ActionRefused("err.outcome")
    referral.status = outcome
    referral.updated_at = now
    if outcome == "service_received" and case.status == "referred":
        case.status = "follow_up"
        _touch(db, case, actor, "status_follow_up", now, outcome)
    else:
        _touch(db, case, actor, "referral_updated", now, outcome)


def close(db: Session, case: Case, *, reason: str, version: str, actor: str, now: datetime) -> None:
    _check(case, version)
    if reason not in CLOSURE_REASONS:
        raise ActionRefused("err.filter")
    officer_id = db.scalar(
        select(Assignment.officer_id).where(
            Assignment.case_id == case.id, Assignment.ended_at.is_(None)
        )
    )
    db.add(CaseClosure(case_id=case.id, officer_id=officer_id, reason=reason, closed_at=now))
    case.status = CLOSED
    _touch(db, case, actor, "status_closed", now, reason)
    _outbox(db, "notify_reporter_concluded", case, now)
