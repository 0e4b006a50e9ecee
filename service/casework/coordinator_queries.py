"""What coordinators look at from the command line: messages that failed, the free-text queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from service.storage.casework_models import OutboundSms, StructuringItem

# Failed for good, or may have gone and was not sent again: someone should look.
NEEDS_A_LOOK = ("failed", "unknown")


@dataclass(frozen=True)
class FailedMessage:
    """One outbound SMS that did not get through: ids and causes, never recipient or text."""

    id: int
    created_at: datetime
    purpose: str
    audience: str
    case_id: int | None
    officer_id: int | None
    status: str
    attempts: int
    failure_class: str | None
    failure_code: str | None


def failed_messages(sessions: sessionmaker[Session], limit: int = 100) -> list[FailedMessage]:
    """The newest messages that failed or whose fate is unknown."""
    with sessions() as db:
        rows = db.scalars(
            select(OutboundSms)
            .where(OutboundSms.status.in_(NEEDS_A_LOOK))
            .order_by(OutboundSms.id.desc())
            .limit(limit)
        ).all()
        return [
            FailedMessage(
                id=r.id,
                created_at=r.created_at,
                purpose=r.purpose,
                audience=r.audience,
                case_id=r.case_id,
                officer_id=r.officer_id,
                status=r.status,
                attempts=r.attempts,
                failure_class=r.failure_class,
                failure_code=r.failure_code,
            )
            for r in rows
        ]


def structuring_backlog(sessions: sessionmaker[Session]) -> int:
    """How many free-text SMS wait for a coordinator."""
    with sessions() as db:
        return int(
            db.scalar(
                select(func.count())
                .select_from(StructuringItem)
                .where(StructuringItem.status == "new")
            )
            or 0
        )
