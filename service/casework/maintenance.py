"""Periodic maintenance: re-enqueue what was left behind, stretch PINs, escalate, assign orphans,
alert."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select

from service.casework.assignment import assign_new_case
from service.casework.context import CaseworkContext
from service.casework.escalation import escalate_overdue
from service.casework.pin_stretch import stretch_pending_pins
from service.casework.unheld_alerts import alert_unheld_cases
from service.casework.vocab import OPEN_STATUSES
from service.queueing.job_queue import QueueUnavailable
from service.storage.casework_models import Assignment
from service.storage.models import Case

log = logging.getLogger(__name__)

MAINTENANCE_JOB = "workers.jobs.run_maintenance"
INTERVAL_SECONDS = 60
EPOCH = datetime(1970, 1, 1)
# A case this old with nobody holding it was not assigned (nobody on duty, a lost job).
ORPHAN_AFTER = timedelta(minutes=2)
# An urgent case's alert waits for the reporter's contact and province; if the session was cut
# off before them, it goes out without them after this long.
URGENT_ORPHAN_AFTER = timedelta(minutes=1)


def run_maintenance(ctx: CaseworkContext, *, reschedule: bool = True) -> None:
    """Run every sweep (one failing does not stop the others), then book the next run."""
    steps: tuple[tuple[str, Callable[[], object]], ...] = (
        ("outbox", ctx.outbox.sweep),
        ("pins", lambda: stretch_pending_pins(ctx.sessions, ctx.opener)),
        ("sms", ctx.sms.sweep),
        ("deadlines", lambda: escalate_overdue(ctx)),
        ("orphans", lambda: assign_orphans(ctx)),
        # After the orphans: tell coordinators about what still has nobody on duty.
        ("unheld", lambda: alert_unheld_cases(ctx)),
    )
    for name, step in steps:
        try:
            step()
        except Exception:  # The maintenance loop is an edge: one step must not stop the rest.
            log.exception("maintenance step %s failed", name)
    if reschedule:
        schedule_maintenance(ctx)


def assign_orphans(ctx: CaseworkContext) -> int:
    """Try again to assign open cases that nobody holds."""
    now = ctx.clock()
    held = exists().where(Assignment.case_id == Case.id, Assignment.ended_at.is_(None))
    waited = or_(
        Case.created_at < now - ORPHAN_AFTER,
        and_(Case.urgent.is_(True), Case.created_at < now - URGENT_ORPHAN_AFTER),
    )
    with ctx.sessions() as db:
        ids = db.scalars(
            select(Case.id)
            .where(Case.status.in_(OPEN_STATUSES), waited, ~held)
            .where(Case.repeat_of_case_id.is_(None))  # joined to the caller's first urgent case
            .order_by(Case.id)
            .limit(100)
        ).all()
    for case_id in ids:
        assign_new_case(ctx, case_id)
    return len(ids)


def schedule_maintenance(ctx: CaseworkContext) -> None:
    """Book the next run at the next whole interval, under one job id per slot.

    Every worker books the same slot under the same id, so however many workers start, one
    chain of maintenance jobs runs (rq keeps one scheduled entry per job id).
    """
    when = next_slot(ctx.clock())
    try:
        ctx.queue.enqueue_at(
            when, MAINTENANCE_JOB, job_id=f"maintenance-{int((when - EPOCH).total_seconds())}"
        )
    except QueueUnavailable as error:
        log.warning("next maintenance not scheduled (%s)", type(error.__cause__ or error).__name__)


def next_slot(now: datetime) -> datetime:
    """The next whole interval after `now` (naive UTC, as the service's clock gives it)."""
    seconds = int((now - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=(seconds // INTERVAL_SECONDS + 1) * INTERVAL_SECONDS)
