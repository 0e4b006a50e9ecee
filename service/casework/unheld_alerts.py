"""Text coordinators, once per case, about a case that nobody on duty holds.

Run by maintenance after it has tried to assign orphans, so a case a coordinator could take is
taken rather than announced. Recipients: the on-duty coordinators of the case's province, else
every on-duty coordinator (national cover). With none on duty nobody can be texted: the case is
left unmarked, stays on the desk's badge, and the next run tries again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, select

from service.casework.assignment import (
    current_assignment,
    lock_case,
    officer_phone,
    open_case_code,
)
from service.casework.audit import record_event
from service.casework.followups import FollowUps
from service.casework.unheld import unheld_clause
from service.casework.vocab import COORDINATOR
from service.messaging.outbound import OFFICER
from service.storage.casework_models import Officer, UnassignedAlert
from service.storage.models import Case

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext

log = logging.getLogger(__name__)

# Younger cases are still being assigned by their own jobs.
UNHELD_AFTER = timedelta(minutes=2)
BATCH = 100


def alert_unheld_cases(ctx: CaseworkContext) -> int:
    """Alert coordinators about each unheld case not alerted yet; returns how many were."""
    cutoff = ctx.clock() - UNHELD_AFTER
    alerted = exists().where(UnassignedAlert.case_id == Case.id)
    with ctx.sessions() as db:
        ids = db.scalars(
            select(Case.id)
            .where(unheld_clause(), Case.created_at < cutoff, ~alerted)
            .order_by(Case.id)
            .limit(BATCH)
        ).all()
    return sum(_alert_one(ctx, case_id) for case_id in ids)


def _alert_one(ctx: CaseworkContext, case_id: int) -> bool:
    followups = FollowUps()
    with ctx.sessions.begin() as db:
        case = lock_case(db, case_id)
        if case is None:
            return False
        still = db.scalar(select(Case.id).where(Case.id == case_id, unheld_clause()))
        if still is None or db.scalar(
            select(UnassignedAlert.id).where(UnassignedAlert.case_id == case_id)
        ):
            return False  # Taken up, or alerted by another worker, since the first look.
        holder = current_assignment(db, case_id)
        coordinators = db.scalars(
            select(Officer)
            .where(
                Officer.role == COORDINATOR,
                Officer.active.is_(True),
                Officer.on_duty.is_(True),
            )
            .order_by(Officer.id)
        ).all()
        provincial = [c for c in coordinators if case.province and c.province == case.province]
        recipients = [
            c for c in (provincial or coordinators) if holder is None or c.id != holder.officer_id
        ]
        if not recipients:
            log.warning("case %s has nobody on duty and no coordinator on duty to tell", case_id)
            return False
        code = open_case_code(ctx, case)
        for coordinator in recipients:
            row = ctx.outbound.add(
                db,
                recipient=officer_phone(ctx, coordinator),
                body=ctx.texts.render(coordinator.lang, "officer.unheld", code=code),
                purpose="unheld_notice",
                audience=OFFICER,
                case_id=case.id,
                officer_id=coordinator.id,
                dedupe_key=f"unheld:{case.id}:{coordinator.id}",
            )
            followups.sms_ids.append(row.id)
        now = ctx.clock()
        db.add(UnassignedAlert(case_id=case.id, alerted_at=now, recipients=len(recipients)))
        record_event(
            db, at=now, actor="worker", action="unheld_alert", case_id=case.id,
            detail=str(len(recipients)),
        )  # fmt: skip
    followups.run(ctx)
    return True
