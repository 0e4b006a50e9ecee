"""Append case-work events to the hash-chained audit log, and check the chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crypto import GENESIS_HASH, chain_hash, verify_chain
from crypto.audit import AuditEvent
from service.storage.casework_models import AuditEntry, AuditHead

HEAD_ID = 1


def record_event(
    db: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    case_id: int | None = None,
    officer_id: int | None = None,
    detail: str = "",
) -> AuditEntry:
    """Chain one event to the log inside the caller's transaction (ids and codes only)."""
    # Locking the head row serialises writers, so two transactions never chain to one hash.
    head = db.scalars(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()).first()
    if head is None:
        head = AuditHead(id=HEAD_ID, hash=GENESIS_HASH)
        db.add(head)
        db.flush()
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        case_id=case_id,
        officer_id=officer_id,
        detail=detail,
        prev_hash=head.hash,
    )
    entry.hash = chain_hash(head.hash, _event(entry))
    head.hash = entry.hash
    db.add(entry)
    return entry


def verify_log(sessions: sessionmaker[Session]) -> int | None:
    """Return the id of the first entry that breaks the chain, or None if the log holds."""
    with sessions() as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        head = db.get(AuditHead, HEAD_ID)
    broken = verify_chain((e.prev_hash, _event(e), e.hash) for e in entries)
    if broken is not None:
        return entries[broken].id
    last = entries[-1].hash if entries else GENESIS_HASH
    if head is not None and head.hash != last:
        # Entries were removed from the end: the head still remembers the lost last hash.
        return -1
    return None


def _event(entry: AuditEntry) -> AuditEvent:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "case_id": entry.case_id if entry.case_id is not None else "",
        "officer_id": entry.officer_id if entry.officer_id is not None else "",
        "detail": entry.detail,
    }
