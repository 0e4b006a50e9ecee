"""Run a transactional-outbox row by its job name; each handler is safe to run twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select

from service.db.models import OutboxJob

if TYPE_CHECKING:
    from workers.context import WorkerContext

log = logging.getLogger(__name__)

Handler = Callable[["WorkerContext", int | None], None]
HANDLERS: dict[str, Handler] = {}


def run_outbox(context: WorkerContext, outbox_id: int) -> None:
    """Run the row's handler and mark it done in the same transaction as nothing else."""
    with context.sessions.begin() as db:
        row = db.scalars(
            select(OutboxJob).where(OutboxJob.id == outbox_id).with_for_update()
        ).one_or_none()
        if row is None or row.done_at is not None:
            return
        row.attempts += 1
        job, case_id = row.job, row.case_id
    handler = HANDLERS.get(job)
    if handler is None:
        raise LookupError(f"no handler for outbox job {job!r}")
    handler(context, case_id)
    with context.sessions.begin() as db:
        done = db.get(OutboxJob, outbox_id)
        if done is not None:
            done.done_at = context.clock()
