"""Tell officers about a desk assignment: alert the new holder, tell the one it was taken from.

The desk writes the assignment (it cannot open numbers or alert codes); this outbox job, run by
the worker, writes the SMS. Safe to run twice: each message has a dedupe key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from service.casework.assignment import (
    alert_officer,
    current_assignment,
    lock_case,
    officer_phone,
    officer_row,
    open_case_code,
)
from service.casework.followups import FollowUps
from service.casework.vocab import CLOSED
from service.messaging.outbound import OFFICER
from service.storage.casework_models import Assignment, Officer

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext

DESK_HANDOFF_JOB = "desk_assigned"
# Assignment.reason and .end_reason of a move made on the desk.
DESK_REASON = "desk"


def alert_desk_assignment(ctx: CaseworkContext, case_id: int | None) -> None:
    """Alert the case's current holder if the desk gave it to them, and tell the previous one."""
    if case_id is None:
        return
    followups = FollowUps()
    with ctx.sessions.begin() as db:
        case = lock_case(db, case_id)
        if case is None or case.status == CLOSED:
            return
        current = current_assignment(db, case_id)
        if current is None or current.reason != DESK_REASON:
            return  # Moved on since (escalated, rerouted): that move alerted its own holder.
        holder = officer_row(db, current.officer_id)
        followups.sms_ids.append(alert_officer(ctx, db, case, current, holder))
        followups.deadlines.append((current.ack_deadline, current.id))
        previous = db.scalars(
            select(Assignment)
            .where(Assignment.case_id == case_id, Assignment.id < current.id)
            .order_by(Assignment.id.desc())
            .limit(1)
        ).first()
        if (
            previous is not None
            and previous.end_reason == DESK_REASON
            and previous.officer_id != holder.id
        ):
            before = db.get(Officer, previous.officer_id)
            if before is not None and before.active:
                row = ctx.outbound.add(
                    db,
                    recipient=officer_phone(ctx, before),
                    body=ctx.texts.render(
                        before.lang, "officer.case_moved", code=open_case_code(ctx, case)
                    ),
                    purpose="holder_changed",
                    audience=OFFICER,
                    case_id=case.id,
                    officer_id=before.id,
                    dedupe_key=f"moved:{previous.id}",
                )
                followups.sms_ids.append(row.id)
    followups.run(ctx)
