"""An officer's alert that failed for good: the case goes to the next fitting officer at once.

Written as the outbox job `alert_undelivered` by the delivery path (a final send failure in the
worker, or a final failure in a delivery report at the web), so nobody waits for the
acknowledgement deadline of an alert that never arrived.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.casework.assignment import (
    UNDELIVERED,
    case_facts,
    current_assignment,
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
from service.casework.followups import FollowUps
from service.casework.routing import OfficerFacts, choose_officer, coordinators_to_tell
from service.casework.vocab import CLOSED
from service.messaging.delivery import ALERT_PURPOSE
from service.messaging.outbound import OFFICER
from service.storage.casework_models import Assignment, OutboundSms
from service.storage.models import Case

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext

log = logging.getLogger(__name__)


def hand_over_undelivered(ctx: CaseworkContext, case_id: int | None) -> None:
    """Outbox job `alert_undelivered`: move the case on if its holder's alert failed for good."""
    if case_id is None:
        return
    followups = FollowUps()
    with ctx.sessions.begin() as db:
        case = lock_case(db, case_id)
        holder = current_assignment(db, case_id) if case is not None else None
        if case is None or case.status == CLOSED or holder is None:
            return
        if holder.acknowledged_at is not None or not _alert_failed(db, holder):
            return  # Moved on already, or the holder answered after all: nothing to do.
        unreachable = _unreachable_officers(db, case.id)
        pool = [o for o in officer_facts(db) if o.id not in unreachable]
        if choose_officer(case_facts(case), pool, turns_on_case(db, case.id)) is None:
            # Keep the holder (their deadline still runs) and tell the coordinators now.
            _alert_coordinators(ctx, db, case, holder, followups)
        else:
            now = ctx.clock()
            end_assignment(db, holder, UNDELIVERED, now)
            record_event(
                db, at=now, actor="worker", action="alert_undelivered", case_id=case.id,
                officer_id=holder.officer_id,
            )  # fmt: skip
            hand_to_next(ctx, db, case, UNDELIVERED, followups, officers=pool, previous=holder)
    followups.run(ctx)


def _alert_failed(db: Session, assignment: Assignment) -> bool:
    found = db.scalar(
        select(OutboundSms.id).where(
            OutboundSms.dedupe_key == f"alert:{assignment.id}", OutboundSms.status == "failed"
        )
    )
    return found is not None


def _unreachable_officers(db: Session, case_id: int) -> set[int]:
    """Officers whose alert for this case failed for good: handing it back would loop."""
    rows = db.scalars(
        select(OutboundSms.officer_id).where(
            OutboundSms.case_id == case_id,
            OutboundSms.purpose == ALERT_PURPOSE,
            OutboundSms.status == "failed",
        )
    ).all()
    return {officer_id for officer_id in rows if officer_id is not None}


def _alert_coordinators(
    ctx: CaseworkContext, db: Session, case: Case, holder: Assignment, followups: FollowUps
) -> None:
    """Nobody reachable can hold the case: every coordinator who may be told hears it once."""
    told: list[OfficerFacts] = coordinators_to_tell(case_facts(case), officer_facts(db))
    if not told:
        log.warning("case %s: its alert failed and there is no coordinator to tell", case.id)
        return
    code = open_case_code(ctx, case)
    for facts in told:
        coordinator = officer_row(db, facts.id)
        row = ctx.outbound.add(
            db,
            recipient=officer_phone(ctx, coordinator),
            body=ctx.texts.render(coordinator.lang, "officer.undelivered", code=code),
            purpose="coordinator_notice",
            audience=OFFICER,
            case_id=case.id,
            officer_id=coordinator.id,
            dedupe_key=f"unheld:{holder.id}:{coordinator.id}",
        )
        followups.sms_ids.append(row.id)
