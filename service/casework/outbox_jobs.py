"""Run a transactional-outbox row by its job name; each handler is safe to run twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from crypto import CryptoError
from service.casework.assignment import assign_new_case, reassign_case, reroute_completed_case
from service.casework.contact_disclosure import disclose_contact
from service.casework.desk_handoff import DESK_HANDOFF_JOB, alert_desk_assignment
from service.casework.pin_stretch import stretch_case_pin
from service.casework.repeats import join_repeated_urgent
from service.casework.reporter_updates import notify_reporter
from service.casework.structured_contact import ATTACH_CONTACT_JOB, attach_inbox_contact
from service.casework.undelivered import hand_over_undelivered
from service.messaging.delivery import UNDELIVERED_ALERT_JOB
from service.queueing.job_queue import QueueUnavailable
from service.storage.models import OutboxJob

if TYPE_CHECKING:
    from service.casework.context import CaseworkContext

log = logging.getLogger(__name__)
# workers/jobs.py's stretch_pin: on the low-priority queue (service/queueing/job_queue.py).
STRETCH_PIN_JOB = "workers.jobs.stretch_pin"

Handler = Callable[["CaseworkContext", int | None], None]


def handle_inbound_sms(context: CaseworkContext, inbound_id: int | None) -> None:
    """Outbox job `handle_inbound_sms`: match the sender and run the command (worker only)."""
    context.inbound.handle(inbound_id)


# Written by the intake (assign_case, case_located, case_completed), the SMS inbox
# (handle_inbound_sms), the officer commands, the officer CLI (reassign_case) and the desk's case
# file (desk_assigned, attach_inbox_contact and the others above). Each takes the
# row's case id, but for those in BY_INBOUND_SMS, which take the row's inbound SMS id.
BY_INBOUND_SMS = frozenset({"handle_inbound_sms"})
# The intake's jobs, the first the worker runs for a case: each queues its PIN's stretch.
INTAKE_JOBS = frozenset({"assign_case", "urgent_repeated", "case_completed", "case_located"})
HANDLERS: dict[str, Handler] = {
    "handle_inbound_sms": handle_inbound_sms,
    "assign_case": assign_new_case,
    "urgent_repeated": join_repeated_urgent,
    "case_completed": reroute_completed_case,
    # An urgent case's contact and province: its first alert, or a move if already alerted.
    "case_located": reroute_completed_case,
    "reassign_case": reassign_case,
    "notify_reporter_handled": partial(notify_reporter, word="handled"),
    "notify_reporter_referred": partial(notify_reporter, word="referred"),
    "notify_reporter_concluded": partial(notify_reporter, word="concluded"),
    "disclose_contact": disclose_contact,
    # Written by the delivery path when an officer's alert failed for good.
    UNDELIVERED_ALERT_JOB: hand_over_undelivered,
    DESK_HANDOFF_JOB: alert_desk_assignment,
    ATTACH_CONTACT_JOB: attach_inbox_contact,
}


def run_outbox(context: CaseworkContext, outbox_id: int) -> None:
    """Run the row's handler and mark it done in the same transaction as nothing else."""
    with context.sessions.begin() as db:
        row = db.scalars(
            select(OutboxJob).where(OutboxJob.id == outbox_id).with_for_update()
        ).one_or_none()
        if row is None or row.done_at is not None:
            return
        row.attempts += 1
        job = row.job
        subject = row.inbound_sms_id if job in BY_INBOUND_SMS else row.case_id
    handler = HANDLERS.get(job)
    if handler is None:
        raise LookupError(f"no handler for outbox job {job!r}")
    handler(context, subject)
    with context.sessions.begin() as db:
        done = db.get(OutboxJob, outbox_id)
        if done is not None:
            done.done_at = context.clock()
    if job in INTAKE_JOBS and subject is not None:
        # After the alert, on the queue taken last: the stretch (75 ms of scrypt) never holds an
        # alert back. Redis away: the maintenance sweep stretches it instead.
        with suppress(QueueUnavailable):
            context.queue.enqueue(STRETCH_PIN_JOB, subject)


def stretch_pin_now(context: CaseworkContext, case_id: int | None) -> None:
    """Stretch the case's sealed PIN so its status can be checked; never raises.

    In a transaction of its own; the maintenance sweep retries one that failed here.
    """
    try:
        with context.sessions.begin() as db:
            stretch_case_pin(db, case_id, context.opener)
    except (SQLAlchemyError, CryptoError) as error:  # The alert matters more than the check.
        log.error("PIN of case %s not stretched: %s", case_id, type(error).__name__)
