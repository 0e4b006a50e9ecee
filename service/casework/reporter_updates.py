"""Tell a reporter who agreed to SMS, in one neutral line, that their case moved on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crypto.contexts import REPORTER_CONTACT, context
from service.casework.assignment import lock_case, open_case_code
from service.casework.followups import FollowUps
from service.casework.vocab import STATUS_TABLE
from service.messaging.outbound import REPORTER
from service.storage.models import Case

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext


def notify_reporter(ctx: CaseworkContext, case_id: int | None, word: str) -> None:
    """Queue the update `word` for the case's reporter, if they agreed to SMS and it is current."""
    if case_id is None:
        return
    followups = FollowUps()
    with ctx.sessions.begin() as db:
        case = lock_case(db, case_id)
        contact = _sms_contact(case) if case is not None else None
        if case is None or contact is None:
            return
        status = STATUS_TABLE.get(case.status)
        if status is None or status.word != word:
            # The case moved on before this job ran: the later update says what matters, and a
            # shared phone should not show a stale one after it.
            return
        body = ctx.texts.render(case.lang, f"reporter.{word}", code=open_case_code(ctx, case))
        row = ctx.outbound.add(
            db,
            recipient=ctx.opener.open_for_worker(contact, context(REPORTER_CONTACT, case.ref)),
            body=body,
            purpose="reporter_update",
            audience=REPORTER,
            case_id=case.id,
            dedupe_key=f"update:{case.id}:{word}",
        )
        followups.sms_ids.append(row.id)
    followups.run(ctx)


def _sms_contact(case: Case) -> bytes | None:
    """The sealed number of a reporter who agreed to SMS and did not send STOP, else None."""
    if case.contact != "sms" or case.sms_opt_out:
        return None
    return case.contact_sealed
