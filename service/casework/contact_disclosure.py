"""Give an officer the number of a reporter who asked to be called: worker only, and audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from crypto.contexts import REPORTER_CONTACT, context
from service.casework.assignment import (
    current_assignment,
    lock_case,
    may_hold,
    officer_phone,
    open_case_code,
)
from service.casework.audit import record_event
from service.casework.followups import FollowUps
from service.casework.vocab import CLOSED
from service.messaging.outbound import OFFICER
from service.storage.casework_models import ContactRequest, Officer

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext


def disclose_contact(ctx: CaseworkContext, case_id: int | None) -> None:
    """Answer the case's pending number requests, each re-checked against the current holder."""
    if case_id is None:
        return
    followups = FollowUps()
    with ctx.sessions.begin() as db:
        case = lock_case(db, case_id)
        if case is None:
            return
        pending = db.scalars(
            select(ContactRequest).where(
                ContactRequest.case_id == case_id, ContactRequest.done_at.is_(None)
            )
        ).all()
        holder = current_assignment(db, case_id)
        now = ctx.clock()
        for request in pending:
            request.done_at = now
            officer = db.get(Officer, request.officer_id)
            allowed = (
                officer is not None
                and officer.active
                and holder is not None
                and holder.officer_id == officer.id
                and may_hold(case, officer)
                and case.status != CLOSED
                and case.contact == "call"
                and case.contact_sealed is not None
            )
            if not allowed or officer is None or case.contact_sealed is None:
                request.outcome = "refused"
                continue
            body = ctx.texts.render(
                officer.lang,
                "officer.contact",
                code=open_case_code(ctx, case),
                phone=ctx.opener.open_for_worker(
                    case.contact_sealed, context(REPORTER_CONTACT, case.ref)
                ),
            )
            row = ctx.outbound.add(
                db,
                recipient=officer_phone(ctx, officer),
                body=body,
                purpose="officer_contact",
                audience=OFFICER,
                case_id=case.id,
                officer_id=officer.id,
                dedupe_key=f"contact:{request.id}",
            )
            request.outcome = "sent"
            record_event(
                db, at=now, actor="worker", action="contact_disclosed", case_id=case.id,
                officer_id=officer.id,
            )  # fmt: skip
            followups.sms_ids.append(row.id)
    followups.run(ctx)
