"""A case's timeline from the tables that already record it: the case, the audit log, the SMS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.desk.casefile.view import TimelineEvent
from service.storage.casework_models import AuditEntry, OutboundSms
from service.storage.models import Case


def build_timeline(db: Session, case: Case, seen_at: datetime | None) -> tuple[TimelineEvent, ...]:
    """Every event of the case, oldest first; `is_new` marks those after `seen_at`."""

    def new(at: datetime) -> bool:
        return seen_at is None or at > seen_at

    events = [
        TimelineEvent(
            case.created_at, "intake", case.kind, "intake", None, case.stage,
            new(case.created_at),
        )
    ]  # fmt: skip
    # The audit log records every assignment, acknowledgement, command, escalation, referral,
    # note, status change and disclosure, with who did it; its detail holds codes only.
    for entry in db.scalars(
        select(AuditEntry).where(AuditEntry.case_id == case.id).order_by(AuditEntry.id)
    ):
        events.append(
            TimelineEvent(
                entry.at, "audit", entry.action, entry.actor, entry.officer_id, entry.detail,
                new(entry.at),
            )
        )  # fmt: skip
    # Messages: what each was for and how far it got; never its recipient or text.
    for sms in db.scalars(
        select(OutboundSms).where(OutboundSms.case_id == case.id).order_by(OutboundSms.id)
    ):
        detail = sms.status if sms.failure_code is None else f"{sms.status}:{sms.failure_code}"
        events.append(
            TimelineEvent(
                sms.created_at, "sms", sms.purpose, "worker", sms.officer_id, detail,
                new(sms.updated_at),
            )
        )  # fmt: skip
    # Stable: events at the same instant keep the order they were written in.
    events.sort(key=lambda event: event.at)
    return tuple(events)
