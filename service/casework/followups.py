"""What a worker transaction leaves to do once it has committed: send SMS, set deadlines."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from service.queueing.job_queue import QueueUnavailable

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext

log = logging.getLogger(__name__)

DEADLINE_JOB = "workers.jobs.check_ack_deadline"


@dataclass
class FollowUps:
    """Collected inside a transaction, run after it commits (never before: the rows must exist)."""

    sms_ids: list[int] = field(default_factory=list)
    deadlines: list[tuple[datetime, int]] = field(default_factory=list)

    def run(self, ctx: CaseworkContext) -> None:
        ctx.sms.enqueue(self.sms_ids)
        for when, assignment_id in self.deadlines:
            schedule_deadline(ctx, when, assignment_id)


def schedule_deadline(ctx: CaseworkContext, when: datetime, assignment_id: int) -> None:
    """Run the acknowledgement check at `when`; if this fails, maintenance finds it overdue."""
    if when.microsecond:
        # rq keeps whole seconds: round up, so the check does not run just before the deadline.
        when = when.replace(microsecond=0) + timedelta(seconds=1)
    try:
        ctx.queue.enqueue_at(when, DEADLINE_JOB, assignment_id)
    except QueueUnavailable as error:
        log.warning(
            "deadline not scheduled (%s); maintenance will check",
            type(error.__cause__ or error).__name__,
        )
