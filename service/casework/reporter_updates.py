"""Tell a reporter who agreed to SMS, in one neutral line, that their case moved on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crypto.contexts import REPORTER_CONTACT, context
from service.casework.assignment import lock_case, open_case_code
from service.casework.followups import FollowUps
from service.messaging.outbound import REPORTER
from service.storage.models import Case

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext

# The reporter-facing word for each stage, and how far along each internal status is.
WORD_RANK = {"handled": 1, "referred": 2, "concluded": 3}
STATUS_RANK = {
    "acknowledged": 1,
    "in_contact": 1,
    "reopened": 1,
    "assigned": 1,
    "referred": 2,
    "follow_up": 2,
    "closed": 3,
}


def notify_reporter(ctx: CaseworkContext, case_id: int | None, word: str) -> None:
    """Queue the update `word` for the case's reporter, if they agreed to SMS and it is current."""
    if case_id is None:
        return
    followups = FollowUps()
    with ctx.sessions.begin() as db:
        case = lock_case(db, case_id)
        if case is None or not _wants_sms(case):
            return
        if STATUS_RANK.get(case.status, 0) != WORD_RANK[word]:
            # The case moved on before this job ran: the later update says what matters, and a
            # shared phone should not show a stale one after it.
            return
        assert case.contact_sealed is not None
        body = ctx.texts.render(case.lang, f"reporter.{word}", code=open_case_code(ctx, case))
        row = ctx.outbound.add(
            db,
            recipient=ctx.opener.open_for_worker(
                case.contact_sealed, context(REPORTER_CONTACT, case.ref)
            ),
            body=body,
            purpose="reporter_update",
            audience=REPORTER,
            case_id=case.id,
            dedupe_key=f"update:{case.id}:{word}",
        )
        followups.sms_ids.append(row.id)
    followups.run(ctx)


def _wants_sms(case: Case) -> bool:
    return case.contact == "sms" and not case.sms_opt_out and case.contact_sealed is not None
