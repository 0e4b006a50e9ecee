"""Assign cases to officers and alert them: new cases, final answers, officers who left."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto.contexts import CASE_CODE_FOR_WORKER, OFFICER_NUMBER, REPORTER_CONTACT, context
from service.casework.alert_budget import officers_at_cap
from service.casework.audit import record_event
from service.casework.followups import FollowUps
from service.casework.routing import (
    CaseFacts,
    OfficerFacts,
    choose_officer,
    may_see,
    should_reroute,
)
from service.casework.vocab import ASSIGNED, CLOSED, OPEN_STATUSES

# A new holder resets an early status to "assigned"; later stages (in contact, referred,
# follow-up) are kept. The one status table says which are early; the name stays importable here.
from service.casework.vocab import EARLY_STATUSES as EARLY_STATUSES
from service.clock import to_the_hour
from service.messaging.outbound import OFFICER
from service.storage.casework_models import Assignment, Officer
from service.storage.models import Case

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext

log = logging.getLogger(__name__)

ACTOR = "worker"
# Assignment reason when the holder's alert could not be delivered (casework/undelivered.py).
UNDELIVERED = "undelivered"


@dataclass(frozen=True)
class AckDeadlines:
    """How long an officer has to acknowledge a case before it moves on."""

    urgent: timedelta = timedelta(minutes=15)
    normal: timedelta = timedelta(hours=24)

    def for_case(self, case: Case) -> timedelta:
        # PEP must start within 72 hours of exposure: every hour of a slow reply counts.
        return self.urgent if case.urgent or case.pep_window else self.normal


def case_facts(case: Case) -> CaseFacts:
    return CaseFacts(
        province=case.province,
        help=case.help,
        police_perpetrator=case.police_perpetrator,
        police_ok=case.police_ok,
    )


def officer_facts(db: Session) -> list[OfficerFacts]:
    """Every active officer with the number of open cases they hold."""
    open_counts = dict(
        db.execute(
            select(Assignment.officer_id, func.count())
            .join(Case, Case.id == Assignment.case_id)
            .where(Assignment.ended_at.is_(None), Case.status.in_(OPEN_STATUSES))
            .group_by(Assignment.officer_id)
        ).all()
    )
    officers = db.scalars(select(Officer).where(Officer.active.is_(True))).all()
    return [
        OfficerFacts(
            id=o.id,
            role=o.role,
            province=o.province,
            on_duty=o.on_duty,
            active=o.active,
            open_cases=int(open_counts.get(o.id, 0)),
        )
        for o in officers
    ]


def lock_case(db: Session, case_id: int) -> Case | None:
    """Lock the case row: every change to a case's workflow takes this lock first."""
    return db.scalars(select(Case).where(Case.id == case_id).with_for_update()).one_or_none()


def current_assignment(db: Session, case_id: int) -> Assignment | None:
    return db.scalars(
        select(Assignment).where(Assignment.case_id == case_id, Assignment.ended_at.is_(None))
    ).one_or_none()


def end_assignment(db: Session, assignment: Assignment, reason: str, now: datetime) -> None:
    assignment.ended_at = now
    assignment.end_reason = reason
    # Flush now: the partial unique index allows one current assignment per case.
    db.flush()


def assign_new_case(ctx: CaseworkContext, case_id: int | None) -> None:
    """Outbox job `assign_case`: give a new case (or urgent partial case) its first holder."""

    def first_holder(db: Session, case: Case, followups: FollowUps) -> None:
        if current_assignment(db, case.id) is None:  # else: this is a second run
            hand_to_next(ctx, db, case, "new", followups)

    _on_open_case(ctx, case_id, first_holder)


def reroute_completed_case(ctx: CaseworkContext, case_id: int | None) -> None:
    """Outbox job `case_completed`: the final answers may call for another holder."""
    _on_open_case(
        ctx, case_id, lambda db, case, f: _reroute_if_needed(ctx, db, case, "rerouted", f)
    )


def reassign_case(ctx: CaseworkContext, case_id: int | None) -> None:
    """Outbox job `reassign_case`: the holder was deactivated or went off duty."""
    _on_open_case(
        ctx, case_id, lambda db, case, f: _reroute_if_needed(ctx, db, case, "reassigned", f)
    )


def _on_open_case(
    ctx: CaseworkContext,
    case_id: int | None,
    act: Callable[[Session, Case, FollowUps], None],
) -> None:
    """Run `act` on the case under its row lock unless it is gone or closed; then follow up."""
    if case_id is None:
        return
    followups = FollowUps()
    with ctx.sessions.begin() as db:
        case = lock_case(db, case_id)
        if case is None or case.status == CLOSED:
            return
        remember_sms_contact(ctx, case)
        act(db, case, followups)
    followups.run(ctx)


def _reroute_if_needed(
    ctx: CaseworkContext, db: Session, case: Case, reason: str, followups: FollowUps
) -> None:
    holder = current_assignment(db, case.id)
    if holder is None:
        hand_to_next(ctx, db, case, "new", followups)
        return
    facts, officers = case_facts(case), officer_facts(db)
    holder_facts = next((o for o in officers if o.id == holder.officer_id), None)
    if holder_facts is not None and not should_reroute(facts, holder_facts, officers):
        return
    end_assignment(db, holder, reason, ctx.clock())
    record_event(
        db,
        at=ctx.clock(),
        actor=ACTOR,
        action="unassigned",
        case_id=case.id,
        officer_id=holder.officer_id,
        detail=reason,
    )
    hand_to_next(ctx, db, case, reason, followups, avoid=holder.officer_id, previous=holder)


def hand_to_next(
    ctx: CaseworkContext,
    db: Session,
    case: Case,
    reason: str,
    followups: FollowUps,
    *,
    avoid: int | None = None,
    officers: Sequence[OfficerFacts] | None = None,
    previous: Assignment | None = None,
) -> Assignment | None:
    """Assign the case to the best next officer and queue their alert; None if nobody can.

    With `previous` (the assignment just ended) a new holder's alert says it is a hand-over,
    and the officer who lost the case is told in one line (see `tell_previous_holder`).
    """
    now = ctx.clock()
    pool = officers if officers is not None else officer_facts(db)
    # An officer who had their hour's alerts gets no more: the case goes to someone else.
    full = officers_at_cap(db, (o.id for o in pool), now)
    pool = [o for o in pool if o.id not in full]
    chosen = choose_officer(case_facts(case), pool, turns_on_case(db, case.id), avoid)
    if chosen is None:
        log.warning("case %s has nobody to hold it; maintenance will try again", case.id)
        return None
    assignment = Assignment(
        case_id=case.id,
        officer_id=chosen.id,
        reason=reason,
        assigned_at=now,
        ack_deadline=now + ctx.deadlines.for_case(case),
    )
    db.add(assignment)
    db.flush()
    if case.status in EARLY_STATUSES:
        case.status = ASSIGNED
    case.updated_at = to_the_hour(now)
    record_event(
        db, at=now, actor=ACTOR, action="assigned", case_id=case.id, officer_id=chosen.id,
        detail=reason,
    )  # fmt: skip
    officer = officer_row(db, chosen.id)
    handover = previous is not None and previous.officer_id != chosen.id
    followups.sms_ids.append(alert_officer(ctx, db, case, assignment, officer, handover=handover))
    followups.deadlines.append((assignment.ack_deadline, assignment.id))
    if handover and previous is not None and reason != UNDELIVERED:
        tell_previous_holder(ctx, db, case, previous, followups)
    return assignment


class MissingOfficer(LookupError):
    """An officer the case rules just chose or read is not in the database (never deleted)."""


def officer_row(db: Session, officer_id: int) -> Officer:
    """The officer's row; MissingOfficer if it is gone (a check that survives `python -O`)."""
    officer = db.get(Officer, officer_id)
    if officer is None:
        raise MissingOfficer(f"officer {officer_id} is not in the database")
    return officer


def tell_previous_holder(
    ctx: CaseworkContext, db: Session, case: Case, previous: Assignment, followups: FollowUps
) -> None:
    """One line, no content, to the officer who lost the case: it moved to someone else.

    Not to an officer who left (deactivated) nor to one the conflict-of-interest rule now
    excludes: they must learn nothing more about the case.
    """
    officer = db.get(Officer, previous.officer_id)
    if officer is None or not officer.active or not may_hold(case, officer):
        return
    row = ctx.outbound.add(
        db,
        recipient=officer_phone(ctx, officer),
        body=ctx.texts.render(officer.lang, "officer.moved", code=open_case_code(ctx, case)),
        purpose="officer_handover",
        audience=OFFICER,
        case_id=case.id,
        officer_id=officer.id,
        dedupe_key=f"moved:{previous.id}",
    )
    followups.sms_ids.append(row.id)


def turns_on_case(db: Session, case_id: int) -> dict[int, int]:
    """How many times each officer has held this case."""
    rows = db.execute(
        select(Assignment.officer_id, func.count())
        .where(Assignment.case_id == case_id)
        .group_by(Assignment.officer_id)
    ).all()
    return {officer_id: int(count) for officer_id, count in rows}


def alert_officer(
    ctx: CaseworkContext,
    db: Session,
    case: Case,
    assignment: Assignment,
    officer: Officer,
    *,
    handover: bool = False,
) -> int:
    """Write the alert SMS: code, urgency, province, kind of help, contact mode. Never content
    or the reporter's number. A hand-over's alert says so, and how long the case has waited."""
    lang = officer.lang
    key = "officer.alert_urgent" if case.urgent or case.pep_window else "officer.alert"
    params = {
        "code": open_case_code(ctx, case),
        "province": ctx.texts.label(lang, "province", case.province),
        "help": ctx.texts.help_label(lang, case.help),
        "contact": ctx.texts.label(lang, "contact", case.contact),
        "deadline": _duration(ctx, lang, ctx.deadlines.for_case(case)),
    }
    if handover:
        key = key.replace("alert", "alert_handover", 1)
        params["waited"] = _duration(ctx, lang, max(ctx.clock() - case.created_at, timedelta()))
    body = ctx.texts.render(lang, key, **params)
    row = ctx.outbound.add(
        db,
        recipient=officer_phone(ctx, officer),
        body=body,
        purpose="officer_alert",
        audience=OFFICER,
        case_id=case.id,
        officer_id=officer.id,
        dedupe_key=f"alert:{assignment.id}",
    )
    return row.id


def _duration(ctx: CaseworkContext, lang: str, span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 120:
        return ctx.texts.render(lang, "officer.deadline_minutes", n=str(minutes))
    return ctx.texts.render(lang, "officer.deadline_hours", n=str(minutes // 60))


def open_case_code(ctx: CaseworkContext, case: Case) -> str:
    """The case code, opened from the copy sealed for the worker."""
    if case.code_for_worker is None:
        raise LookupError(f"case {case.id} has no code sealed for the worker")
    return ctx.opener.open_for_worker(case.code_for_worker, context(CASE_CODE_FOR_WORKER, case.ref))


def remember_sms_contact(ctx: CaseworkContext, case: Case) -> None:
    """Digest the number of a reporter who asked for SMS, so STOP and STATUS can find the case.

    The web cannot: the number key lives only here, on the worker (docs/privacy.md).
    """
    if case.contact != "sms" or case.contact_sealed is None or case.contact_digest is not None:
        return
    phone = ctx.opener.open_for_worker(case.contact_sealed, context(REPORTER_CONTACT, case.ref))
    case.contact_digest = ctx.numbers.number_digest(phone)


def officer_phone(ctx: CaseworkContext, officer: Officer) -> str:
    return ctx.opener.open_for_worker(officer.phone_sealed, context(OFFICER_NUMBER, officer.ref))


def may_hold(case: Case, officer: Officer) -> bool:
    """Whether the conflict-of-interest rule lets `officer` hold `case`."""
    return may_see(
        case_facts(case),
        OfficerFacts(
            officer.id, officer.role, officer.province, officer.on_duty, officer.active, 0
        ),
    )
