"""What the case file runs on, built once by the desk's composition root, and shared steps."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from crypto import ReportOpener, ReportSealer, SecretHasher, StateCipher
from service.casework.assignment import AckDeadlines
from service.casework.audit import record_event
from service.desk.casefile.actor import Actor
from service.intake.reports import Intake
from service.storage.models import OutboxJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseFileParts:
    """SQL, a clock and the desk's keys; the desk holds the report private key, no contact key.

    `intake` must be built with the contact *public* key and `relayed=True`: a structured case
    then leaves its outbox rows waiting for the worker's relay, as the web's intake does.
    """

    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    # Code digests (find a case by its code) and the session key (show a case's code).
    hasher: SecretHasher
    state_cipher: StateCipher
    report_sealer: ReportSealer
    report_opener: ReportOpener
    intake: Intake
    deadlines: AckDeadlines = field(default_factory=AckDeadlines)
    # Called after a change that left outbox rows for the worker has committed. In production
    # nothing is needed (the insert trigger's NOTIFY wakes the worker's relay); the embedded
    # default passes its dispatcher's `relay_waiting`, so the in-process worker runs them now.
    wake_worker: Callable[[], object] | None = None

    def wake(self) -> None:
        """Tell the worker rows are waiting; a failure only delays them to the next sweep."""
        if self.wake_worker is None:
            return
        try:
            self.wake_worker()
        except SQLAlchemyError as error:  # the relay's claim; the queue's own errors stay inside
            log.warning("could not wake the worker (%s); its sweep will", type(error).__name__)


def audit(
    db: Session,
    parts: CaseFileParts,
    actor: Actor,
    action: str,
    *,
    case_id: int | None = None,
    officer_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one event to the audit chain in the caller's transaction, named by staff id."""
    record_event(
        db,
        at=parts.clock(),
        actor=actor.audit_name,
        action=action,
        case_id=case_id,
        officer_id=officer_id if officer_id is not None else actor.officer_id,
        detail=detail,
    )


def leave_for_worker(db: Session, parts: CaseFileParts, job: str, case_id: int) -> None:
    """Write an outbox row left waiting: the worker's relay claims it (the desk has no queue)."""
    # Core, not the ORM: the ORM would put the column's default in place of the None.
    db.execute(
        insert(OutboxJob).values(
            job=job, case_id=case_id, created_at=parts.clock(), enqueued_at=None, attempts=0
        )
    )
