"""Job entry points, enqueued by dotted name with ids only."""

from __future__ import annotations

from service.casework.escalation import check_ack_deadline as check_deadline
from service.casework.maintenance import run_maintenance as maintain
from service.casework.outbox_jobs import run_outbox, stretch_pin_now
from service.messaging.delivery import send_sms as deliver_sms
from workers.context import current


def run_outbox_job(outbox_id: int) -> None:
    """Run one transactional-outbox row; a row already done is skipped."""
    run_outbox(current(), outbox_id)


def stretch_pin(case_id: int) -> None:
    """Stretch a new case's sealed PIN (low-priority queue: after every alert and assignment)."""
    stretch_pin_now(current(), case_id)


def send_sms(sms_id: int) -> None:
    """Send one outbound SMS row; a row already sent, failed or cancelled is skipped."""
    deliver_sms(current(), sms_id)


def check_ack_deadline(assignment_id: int) -> None:
    """Escalate an assignment still unacknowledged at its deadline; early runs look again later."""
    check_deadline(current(), assignment_id)


def run_maintenance() -> None:
    """Sweep what was left behind, then schedule the next sweep."""
    maintain(current())
