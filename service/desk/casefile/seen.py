"""What changed since a staff member last looked: one marker per (staff id, case).

The staff id is the desk's account id kept as a plain integer (the staff table belongs to the
desk's accounts, so no foreign key ties this table to it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.desk.casefile.view import Newness
from service.storage.casework_models import AuditEntry, CaseSeen, OutboundSms
from service.storage.models import Case


def last_seen(db: Session, staff_id: int, case_id: int) -> datetime | None:
    return db.scalar(
        select(CaseSeen.seen_at).where(CaseSeen.staff_id == staff_id, CaseSeen.case_id == case_id)
    )


def mark_seen(db: Session, staff_id: int, case_id: int, now: datetime) -> None:
    """Record that this staff member has seen the case as it is now."""
    marker = db.scalars(
        select(CaseSeen).where(CaseSeen.staff_id == staff_id, CaseSeen.case_id == case_id)
    ).first()
    if marker is not None:
        marker.seen_at = max(marker.seen_at, now)
        return
    try:
        # Two tabs opening the same case at once: the second insert meets the unique pair.
        with db.begin_nested():
            db.add(CaseSeen(staff_id=staff_id, case_id=case_id, seen_at=now))
    except IntegrityError:
        mark_seen(db, staff_id, case_id, now)


def latest_activity(db: Session, case_ids: Iterable[int]) -> dict[int, datetime]:
    """The time of each case's latest event: a change to it, an audit entry, an SMS's progress."""
    ids = sorted(set(case_ids))
    latest: dict[int, datetime] = {}

    def take(rows: Iterable[Any]) -> None:
        for case_id, at in rows:
            if (
                case_id is not None
                and at is not None
                and (case_id not in latest or at > latest[case_id])
            ):
                latest[case_id] = at

    if not ids:
        return latest
    take(db.execute(select(Case.id, Case.updated_at).where(Case.id.in_(ids))))
    take(
        db.execute(
            select(AuditEntry.case_id, func.max(AuditEntry.at))
            .where(AuditEntry.case_id.in_(ids))
            .group_by(AuditEntry.case_id)
        )
    )
    take(
        db.execute(
            select(OutboundSms.case_id, func.max(OutboundSms.updated_at))
            .where(OutboundSms.case_id.in_(ids))
            .group_by(OutboundSms.case_id)
        )
    )
    return latest


def whats_new(db: Session, staff_id: int, case_ids: Iterable[int]) -> dict[int, Newness]:
    """For each case: `new` if never seen, `changed` if something happened since; else absent."""
    ids = sorted(set(case_ids))
    seen = {
        case_id: at
        for case_id, at in db.execute(
            select(CaseSeen.case_id, CaseSeen.seen_at).where(
                CaseSeen.staff_id == staff_id, CaseSeen.case_id.in_(ids)
            )
        )
    }
    result: dict[int, Newness] = {}
    for case_id, at in latest_activity(db, ids).items():
        if case_id not in seen:
            result[case_id] = "new"
        elif at > seen[case_id]:
            result[case_id] = "changed"
    return result
