"""What coordinators look at from the command line: messages that failed, the free-text queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crypto import ContactOpener, CryptoError
from crypto.contexts import CASE_CODE_FOR_WORKER, context
from service.casework.vocab import CLOSED
from service.storage.casework_models import Officer, OutboundSms, StructuringItem
from service.storage.models import Case

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
    # The officer's role (coordinator, paralegal, ...) or "reporter": who did not hear.
    recipient_role: str = "reporter"
    # Opened with the worker's contact key when one is given; None otherwise.
    case_code: str | None = None


def failed_messages(
    sessions: sessionmaker[Session], limit: int = 100, opener: ContactOpener | None = None
) -> list[FailedMessage]:
    """The newest messages that failed or whose fate is unknown.

    With the worker's contact `opener`, each names its case by code (as officers know it).
    """
    with sessions() as db:
        rows = db.execute(
            select(OutboundSms, Officer.role, Case)
            .outerjoin(Officer, Officer.id == OutboundSms.officer_id)
            .outerjoin(Case, Case.id == OutboundSms.case_id)
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
                recipient_role=role or r.audience,
                case_code=_case_code(opener, case),
            )
            for r, role, case in rows
        ]


def _case_code(opener: ContactOpener | None, case: Case | None) -> str | None:
    if opener is None or case is None or case.code_for_worker is None:
        return None
    try:
        return opener.open_for_worker(case.code_for_worker, context(CASE_CODE_FOR_WORKER, case.ref))
    except CryptoError:
        return None  # Sealed to a key this host does not hold (destroyed, or another store).


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


def active_officer_count(sessions: sessionmaker[Session]) -> int:
    """How many active officers and coordinators could be given a case."""
    with sessions() as db:
        return int(
            db.scalar(select(func.count()).select_from(Officer).where(Officer.active.is_(True)))
            or 0
        )


def escalation_stopped_count(sessions: sessionmaker[Session]) -> int:
    """Open cases whose escalation stopped re-alerting after its second round: the desk's badge.

    Read it as `SELECT count(*) FROM cases WHERE escalation_stopped_at IS NOT NULL AND status
    <> 'closed'`; the column holds when escalation stopped.
    """
    with sessions() as db:
        return int(
            db.scalar(
                select(func.count())
                .select_from(Case)
                .where(Case.escalation_stopped_at.is_not(None), Case.status != CLOSED)
            )
            or 0
        )
