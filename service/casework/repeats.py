"""An urgent case repeated by the same caller within hours joins the first: no second alert.

The USSD shell sees the repeat (by the caller's daily pseudonym) and writes the new case with
`repeat_of_case_id` and the outbox job `urgent_repeated` instead of `assign_case`. The new case
is kept in full for the desk; the first case's holder is told once that it was repeated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.casework.alert_budget import officers_at_cap
from service.casework.assignment import (
    current_assignment,
    hand_to_next,
    lock_case,
    officer_phone,
    open_case_code,
)
from service.casework.audit import record_event
from service.casework.followups import FollowUps
from service.casework.vocab import CLOSED
from service.messaging.outbound import OFFICER
from service.storage.casework_models import Officer
from service.storage.models import Case

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext


def join_repeated_urgent(ctx: CaseworkContext, case_id: int | None) -> None:
    """Outbox job `urgent_repeated`: join the first case, or (it has ended) stand alone."""
    if case_id is None:
        return
    followups = FollowUps()
    with ctx.sessions.begin() as db:
        case = lock_case(db, case_id)
        if case is None or case.status == CLOSED or current_assignment(db, case_id) is not None:
            return
        first = db.get(Case, case.repeat_of_case_id) if case.repeat_of_case_id else None
        holder = current_assignment(db, first.id) if first and first.status != CLOSED else None
        if first is None or holder is None:
            # Nothing open to join (closed, or nobody holds it yet): a case of its own.
            case.repeat_of_case_id = None
            hand_to_next(ctx, db, case, "new", followups)
        else:
            now = ctx.clock()
            record_event(
                db, at=now, actor="worker", action="joined_repeat", case_id=case.id,
                detail=f"case:{first.id}",
            )  # fmt: skip
            officer = db.get(Officer, holder.officer_id)
            if officer is not None and not officers_at_cap(db, [officer.id], now):
                row = ctx.outbound.add(
                    db,
                    recipient=officer_phone(ctx, officer),
                    body=ctx.texts.render(
                        officer.lang, "officer.repeated", code=open_case_code(ctx, first)
                    ),
                    purpose="repeat_notice",
                    audience=OFFICER,
                    case_id=first.id,
                    officer_id=officer.id,
                    # Once per first case, however many repeats follow.
                    dedupe_key=f"repeat:{first.id}",
                )
                followups.sms_ids.append(row.id)
    followups.run(ctx)
