"""Give a case structured from a free-text SMS its sender's number, sealed anew to the case.

The desk made the case but cannot open the sender's number (the worker's contact key), so this
outbox job opens it from the message's seal and seals it to the case, as the intake would have.
A sender who chose SMS then gets the case code in the same neutral line as "received".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from crypto.contexts import INBOX_ITEM, REPORTER_CONTACT, context
from service.casework.assignment import lock_case, open_case_code
from service.casework.followups import FollowUps
from service.messaging.outbound import REPORTER
from service.storage.casework_models import StructuringItem

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext

ATTACH_CONTACT_JOB = "attach_inbox_contact"
WANTS_CONTACT = frozenset({"sms", "call"})


def attach_inbox_contact(ctx: CaseworkContext, case_id: int | None) -> None:
    """Seal the sender's number to the case; safe to run twice."""
    if case_id is None:
        return
    followups = FollowUps()
    with ctx.sessions.begin() as db:
        case = lock_case(db, case_id)
        item = db.scalars(select(StructuringItem).where(StructuringItem.case_id == case_id)).first()
        if case is None or item is None or case.contact not in WANTS_CONTACT:
            return
        if case.contact_sealed is None:
            phone = ctx.opener.open_for_worker(item.contact_sealed, context(INBOX_ITEM, item.ref))
            case.contact_sealed = ctx.sealer.seal_for_worker(
                phone, context(REPORTER_CONTACT, case.ref)
            )
            case.updated_at = ctx.clock()
        if case.contact == "sms" and not case.sms_opt_out:
            row = ctx.outbound.add(
                db,
                recipient=ctx.opener.open_for_worker(
                    case.contact_sealed, context(REPORTER_CONTACT, case.ref)
                ),
                body=ctx.texts.render(
                    case.lang, "reporter.received", code=open_case_code(ctx, case)
                ),
                purpose="reporter_update",
                audience=REPORTER,
                case_id=case.id,
                dedupe_key=f"update:{case.id}:received",
            )
            followups.sms_ids.append(row.id)
    followups.run(ctx)
