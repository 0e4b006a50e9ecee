"""Job entry points, enqueued by dotted name with ids only."""

from __future__ import annotations

from service.casework.outbox_jobs import run_outbox
from workers.context import current


def run_outbox_job(outbox_id: int) -> None:
    """Run one transactional-outbox row; a row already done is skipped."""
    run_outbox(current(), outbox_id)
