"""What the case page shows: routing fields, holder, referrals and a timeline; no content.

Sealed content (answers, description, notes) is never opened here: that asks for a reason and
is audited first (the case-file layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crypto import StateCipher
from service.desk.case_actions import version_of
from service.desk.queue import case_code, deadline_state
from service.storage.casework_models import (
    Assignment,
    AuditEntry,
    CaseClosure,
    CaseNote,
    Officer,
    Referral,
)
from service.storage.desk_models import CaseView
from service.storage.models import Case


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str
    detail: str
    new: bool


@dataclass(frozen=True)
class ReferralLine:
    number: int
    service: str
    status: str
    updated_at: datetime


@dataclass(frozen=True)
class CaseDetails:
    code: str | None
    version: str
    province: str | None
    subtype: str | None
    gbv_type: str | None
    perpetrator: str | None
    urgent: bool
    pep_window: bool
    child_protection: bool
    police_perpetrator: bool
    police_ok: bool
    help: str | None
    contact: str | None
    status: str
    stage: str
    age: timedelta
    holder: str | None
    deadline: str
    referrals: tuple[ReferralLine, ...]
    timeline: tuple[TimelineEvent, ...]
    seen_at: datetime | None
    changes: int


def case_details(
    db: Session, case: Case, cipher: StateCipher, staff_id: int, now: datetime
) -> CaseDetails:
    """Gather the page; events newer than this staff member's last look are marked new."""
    seen_at = db.scalar(
        select(CaseView.seen_at).where(CaseView.case_id == case.id, CaseView.staff_id == staff_id)
    )
    current = db.scalars(
        select(Assignment).where(Assignment.case_id == case.id, Assignment.ended_at.is_(None))
    ).one_or_none()
    holder = db.get(Officer, current.officer_id).name if current else None  # type: ignore[union-attr]
    referrals = db.scalars(
        select(Referral).where(Referral.case_id == case.id).order_by(Referral.number)
    ).all()
    timeline = _timeline(db, case, seen_at)
    return CaseDetails(
        code=case_code(cipher, case),
        version=version_of(case),
        province=case.province,
        subtype=case.subtype,
        gbv_type=case.gbv_type,
        perpetrator=case.perpetrator,
        urgent=case.urgent,
        pep_window=case.pep_window,
        child_protection=case.child_protection,
        police_perpetrator=case.police_perpetrator,
        police_ok=case.police_ok,
        help=case.help,
        contact=case.contact,
        status=case.status,
        stage=case.stage,
        age=now - case.created_at,
        holder=holder,
        deadline=deadline_state(case, current, now),
        referrals=tuple(
            ReferralLine(r.number, r.service, r.status, r.updated_at) for r in referrals
        ),
        timeline=timeline,
        seen_at=seen_at,
        changes=sum(1 for event in timeline if event.new),
    )


def _timeline(db: Session, case: Case, seen_at: datetime | None) -> tuple[TimelineEvent, ...]:
    events: list[tuple[datetime, str, str]] = [(case.created_at, "intake", case.kind)]
    names: dict[int, str] = {
        officer_id: name for officer_id, name in db.execute(select(Officer.id, Officer.name))
    }
    for a in db.scalars(select(Assignment).where(Assignment.case_id == case.id)):
        events.append((a.assigned_at, "assigned", f"{names.get(a.officer_id, '?')} ({a.reason})"))
        if a.acknowledged_at is not None:
            events.append((a.acknowledged_at, "acknowledged", names.get(a.officer_id, "?")))
    for closure in db.scalars(select(CaseClosure).where(CaseClosure.case_id == case.id)):
        events.append((closure.closed_at, "closed", closure.reason))
    for note in db.scalars(select(CaseNote).where(CaseNote.case_id == case.id)):
        events.append((note.created_at, "note", names.get(note.officer_id, "?")))
    for entry in db.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id)):
        events.append((entry.at, "audit:" + entry.action, entry.detail))
    events.sort(key=lambda event: event[0])
    return tuple(
        TimelineEvent(at, kind, detail, seen_at is None or at > seen_at)
        for at, kind, detail in events
    )


def mark_seen(db: Session, case_id: int, staff_id: int, now: datetime) -> None:
    """Remember this look, so the next one shows what changed since."""
    row = db.scalars(
        select(CaseView).where(CaseView.case_id == case_id, CaseView.staff_id == staff_id)
    ).one_or_none()
    if row is not None:
        row.seen_at = now
        return
    try:
        with db.begin_nested():
            db.add(CaseView(staff_id=staff_id, case_id=case_id, seen_at=now))
    except IntegrityError:
        # The same person opened the case twice at once; either look will do.
        pass
