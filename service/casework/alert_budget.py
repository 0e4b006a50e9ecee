"""How many alerts one officer may get in an hour, however many cases are open."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.storage.casework_models import OutboundSms

# Alerts, hand-over lines and coordinator notices: what a case sends an officer unasked.
# (Replies to their own commands have their own cap, in sms_inbox.py.)
ALERT_PURPOSES = ("officer_alert", "coordinator_notice", "officer_handover", "repeat_notice")
ALERTS_PER_HOUR = 20
WINDOW = timedelta(hours=1)


def officers_at_cap(db: Session, officer_ids: Iterable[int], now: datetime) -> set[int]:
    """The officers among `officer_ids` who have had ALERTS_PER_HOUR alerts in the last hour."""
    ids = list(officer_ids)
    if not ids:
        return set()
    rows = db.execute(
        select(OutboundSms.officer_id, func.count())
        .where(
            OutboundSms.officer_id.in_(ids),
            OutboundSms.purpose.in_(ALERT_PURPOSES),
            OutboundSms.created_at > now - WINDOW,
        )
        .group_by(OutboundSms.officer_id)
    ).all()
    return {officer_id for officer_id, count in rows if officer_id and count >= ALERTS_PER_HOUR}
