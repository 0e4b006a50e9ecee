"""Acknowledgement deadlines: a case nobody confirms in time moves on, and a coordinator is told."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.casework.alert_budget import officers_at_cap
from service.casework.assignment import (
    case_facts,
    end_assignment,
    hand_to_next,
    lock_case,
    officer_facts,
    officer_phone,
    officer_row,
    open_case_code,
    turns_on_case,
)
from service.casework.audit import record_event
from service.casework.followups import FollowUps, schedule_deadline
from service.casework.routing import OfficerFacts, choose_officer, coordinators_to_tell
from service.casework.texts import officer_name
from service.casework.vocab import CLOSED, COORDINATOR
from service.messaging.outbound import OFFICER
from service.storage.casework_models import Assignment, Officer
from service.storage.models import Case

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext

log = logging.getLogger(__name__)

# Escalation walks everyone who may hold the case this many times, then stops re-alerting.
ROUNDS = 2
# Maintenance checks deadlines this far past due, in case a scheduled check was lost.
OVERDUE_GRACE = timedelta(seconds=30)


def check_ack_deadline(ctx: CaseworkContext, assignment_id: int) -> None:
    """Escalate if the assignment is still unacknowledged past its deadline; safe early or late."""
    followups = FollowUps()
    early_until: datetime | None = None
    with ctx.sessions.begin() as db:
        first_look = db.get(Assignment, assignment_id)
        if first_look is None:
            return
        case = lock_case(db, first_look.case_id)
        assignment = db.get(Assignment, assignment_id, populate_existing=True)
        if case is None or assignment is None or not _still_waiting(case, assignment):
            return
        now = ctx.clock()
        if now < assignment.ack_deadline:
            early_until = assignment.ack_deadline  # Run early: look again at the deadline.
        else:
            _escalate(ctx, db, case, assignment, followups)
    if early_until is not None:
        schedule_deadline(ctx, early_until, assignment_id)
    followups.run(ctx)


def escalate_overdue(ctx: CaseworkContext) -> int:
    """Check every unacknowledged assignment well past its deadline (lost scheduled checks)."""
    cutoff = ctx.clock() - OVERDUE_GRACE
    with ctx.sessions() as db:
        ids = db.scalars(
            select(Assignment.id)
            .join(Case, Case.id == Assignment.case_id)
            .where(
                Assignment.ended_at.is_(None),
                Assignment.acknowledged_at.is_(None),
                Assignment.ack_deadline < cutoff,
                Case.escalation_stopped_at.is_(None),
            )
            .order_by(Assignment.ack_deadline)
            .limit(200)
        ).all()
    for assignment_id in ids:
        check_ack_deadline(ctx, assignment_id)
    return len(ids)


def _still_waiting(case: Case, assignment: Assignment) -> bool:
    return (
        assignment.ended_at is None
        and assignment.acknowledged_at is None
        and case.status != CLOSED
        and case.escalation_stopped_at is None
    )


def _escalate(
    ctx: CaseworkContext, db: Session, case: Case, assignment: Assignment, followups: FollowUps
) -> None:
    now = ctx.clock()
    officers = officer_facts(db)
    turns = turns_on_case(db, case.id)
    upcoming = choose_officer(case_facts(case), officers, turns, assignment.officer_id)
    if upcoming is None or turns.get(upcoming.id, 0) >= ROUNDS:
        # Everyone has had the case twice: re-alerting every 15 minutes would only bury it.
        _stop_escalating(ctx, db, case, officers, followups)
        return
    end_assignment(db, assignment, "escalated", now)
    record_event(
        db, at=now, actor="worker", action="escalated", case_id=case.id,
        officer_id=assignment.officer_id,
    )  # fmt: skip
    successor = hand_to_next(
        ctx,
        db,
        case,
        "escalated",
        followups,
        avoid=assignment.officer_id,
        officers=officers,
        previous=assignment,
    )
    if successor is None:
        # Nobody at all can hold it (not even the last holder): maintenance assigns it later.
        log.warning("case %s: escalation found nobody; maintenance will retry", case.id)
        return
    _tell_coordinators(ctx, db, case, successor, officers, followups)


def _stop_escalating(
    ctx: CaseworkContext,
    db: Session,
    case: Case,
    officers: list[OfficerFacts],
    followups: FollowUps,
) -> None:
    """Keep the holder, flag the case for the desk, and tell every coordinator once."""
    now = ctx.clock()
    case.escalation_stopped_at = now
    record_event(db, at=now, actor="worker", action="escalation_stopped", case_id=case.id)
    facts = case_facts(case)
    provincial = coordinators_to_tell(facts, officers)
    national = [o for o in officers if o.active and o.role == COORDINATOR]
    told = {o.id: o for o in [*provincial, *national]}
    full = officers_at_cap(db, told, now)
    code = open_case_code(ctx, case)
    for coordinator_id in told:
        coordinator = db.get(Officer, coordinator_id)
        if coordinator is None or coordinator_id in full:
            continue
        row = ctx.outbound.add(
            db,
            recipient=officer_phone(ctx, coordinator),
            body=ctx.texts.render(coordinator.lang, "officer.escalation_stopped", code=code),
            purpose="coordinator_notice",
            audience=OFFICER,
            case_id=case.id,
            officer_id=coordinator.id,
            dedupe_key=f"stopped:{case.id}:{coordinator.id}",
        )
        followups.sms_ids.append(row.id)


def _tell_coordinators(
    ctx: CaseworkContext,
    db: Session,
    case: Case,
    successor: Assignment,
    officers: list[OfficerFacts],
    followups: FollowUps,
) -> None:
    new_holder = officer_row(db, successor.officer_id)
    code = open_case_code(ctx, case)
    told = coordinators_to_tell(case_facts(case), officers)
    full = officers_at_cap(db, (o.id for o in told), ctx.clock())
    for coordinator_facts in told:
        if coordinator_facts.id == successor.officer_id or coordinator_facts.id in full:
            continue  # They have the alert itself, or had their hour's alerts already.
        coordinator = officer_row(db, coordinator_facts.id)
        body = ctx.texts.render(
            coordinator.lang, "officer.escalated", code=code, name=officer_name(new_holder.name)
        )
        row = ctx.outbound.add(
            db,
            recipient=officer_phone(ctx, coordinator),
            body=body,
            purpose="coordinator_notice",
            audience=OFFICER,
            case_id=case.id,
            officer_id=coordinator.id,
            dedupe_key=f"notice:{successor.id}:{coordinator.id}",
        )
        followups.sms_ids.append(row.id)
