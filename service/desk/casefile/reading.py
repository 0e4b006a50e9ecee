"""Open a case file for one display, count unheld cases, tell what is new for a viewer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.casework.unheld import unheld_clause
from service.casework.vocab import OPEN_REFERRAL_STATUSES
from service.desk.casefile.access import find_visible_case, is_holder, province_clause
from service.desk.casefile.actor import Actor
from service.desk.casefile.parts import CaseFileParts
from service.desk.casefile.seen import last_seen, mark_seen, whats_new
from service.desk.casefile.timeline import build_timeline
from service.desk.casefile.view import (
    CaseFileView,
    HolderView,
    Newness,
    ReferralView,
    deadline_state,
)
from service.storage.casework_models import Assignment, CaseClosure, CaseNote, Officer, Referral
from service.storage.models import Case


def open_case_file(parts: CaseFileParts, actor: Actor, code: str) -> CaseFileView:
    """The case page's data; marks the case seen by this viewer (after reading when they last
    looked, so the events since then come marked new)."""
    now = parts.clock()
    with parts.sessions.begin() as db:
        case, holder, cleaned = find_visible_case(db, parts, actor, code)
        seen_at = last_seen(db, actor.id, case.id)
        view = CaseFileView(
            case_id=case.id,
            code=cleaned,
            version=case.version,
            kind=case.kind,
            stage=case.stage,
            status=case.status,
            lang=case.lang,
            province=case.province,
            subtype=case.subtype,
            gbv_type=case.gbv_type,
            perpetrator=case.perpetrator,
            police_perpetrator=case.police_perpetrator,
            urgent=case.urgent,
            pep_window=case.pep_window,
            child_protection=case.child_protection,
            help=case.help,
            contact=case.contact,
            police_ok=case.police_ok,
            sms_opt_out=case.sms_opt_out,
            incident_week=case.incident_week,
            created_at=case.created_at,
            updated_at=case.updated_at,
            holder=_holder_view(db, holder),
            deadline=deadline_state(
                case.status,
                holder.assigned_at if holder else None,
                holder.ack_deadline if holder else None,
                holder.acknowledged_at if holder else None,
                now,
            ),
            referrals=_referrals(db, case.id, now),
            open_referrals=_open_referrals(db, case.id),
            closure_reasons=tuple(
                db.scalars(
                    select(CaseClosure.reason)
                    .where(CaseClosure.case_id == case.id)
                    .order_by(CaseClosure.id)
                )
            ),
            notes=int(db.scalar(select(func.count()).where(CaseNote.case_id == case.id)) or 0),
            can_call_back=_can_call_back(actor, case, holder),
            last_seen_at=seen_at,
            timeline=build_timeline(db, case, seen_at),
        )
        mark_seen(db, actor.id, case.id, now)
    return view


def _holder_view(db: Session, holder: Assignment | None) -> HolderView | None:
    if holder is None:
        return None
    officer = db.get(Officer, holder.officer_id)
    if officer is None:
        return None
    return HolderView(
        officer_id=officer.id,
        name=officer.name,
        role=officer.role,
        province=officer.province,
        on_duty=officer.on_duty and officer.active,
        assigned_at=holder.assigned_at,
        ack_deadline=holder.ack_deadline,
        acknowledged_at=holder.acknowledged_at,
    )


def _referrals(db: Session, case_id: int, now: datetime) -> tuple[ReferralView, ...]:
    rows = db.scalars(
        select(Referral).where(Referral.case_id == case_id).order_by(Referral.number)
    ).all()
    return tuple(
        ReferralView(
            number=r.number,
            service=r.service,
            status=r.status,
            follow_up_on=r.follow_up_on,
            follow_up_due=(
                r.follow_up_on is not None
                and r.status in OPEN_REFERRAL_STATUSES
                and r.follow_up_on <= now.date()
            ),
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in rows
    )


def _open_referrals(db: Session, case_id: int) -> int:
    return int(
        db.scalar(
            select(func.count()).where(
                Referral.case_id == case_id, Referral.status.in_(OPEN_REFERRAL_STATUSES)
            )
        )
        or 0
    )


def _can_call_back(actor: Actor, case: Case, holder: Assignment | None) -> bool:
    return (
        is_holder(actor, holder)
        and case.contact == "call"
        and case.contact_sealed is not None
        and case.status != "closed"
    )


def unassigned_count(parts: CaseFileParts, actor: Actor) -> int:
    """Open cases nobody on duty holds, among those this coordinator sees (0 for others).

    Officers see only what they hold and auditors no case, so their count is always 0: an
    excluded officer's badge is what it would be without the case.
    """
    if not actor.is_coordinator:
        return 0
    with parts.sessions() as db:
        return int(
            db.scalar(
                select(func.count())
                .select_from(Case)
                .where(unheld_clause(), province_clause(actor))
            )
            or 0
        )


def changes_for_viewer(
    parts: CaseFileParts, actor: Actor, case_ids: Iterable[int]
) -> dict[int, Newness]:
    """For the queue: which of these cases are new to this viewer, or changed since they looked.

    The caller passes only cases the viewer may see (the queue's own filter).
    """
    with parts.sessions() as db:
        return whats_new(db, actor.id, case_ids)
