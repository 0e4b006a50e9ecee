"""Append events to the keyed audit chain, list them for the auditor, and verify the chain.

The signer travels on the session: each composition root builds its sessionmaker with its own
role's `AuditSigner` (`make_sessionmaker(engine, audit_signer=...)`), so every caller appends
with `record_event(db, ...)` and no audit key is threaded through the case rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from crypto import (
    GENESIS_HASH,
    Anchor,
    AuditSigner,
    AuditVerifier,
    ChainBreak,
    ChainEntry,
    ChainHead,
)
from crypto.audit import AuditEvent
from service.storage.casework_models import AuditEntry, AuditHead
from service.storage.engine import AUDIT_SIGNER_INFO

HEAD_ID = 1
# The column widths: the same limits on SQLite, which does not enforce them.
LIMITS = {"actor": 48, "action": 32, "detail": 64}


class AuditNotKeyed(RuntimeError):
    """The session was built without an audit signer, so it cannot append to the chain."""


class AuditEventInvalid(ValueError):
    """An event field is too long or holds characters an audit line must not."""


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
    """Seal one event onto the chain inside the caller's transaction (ids and codes only).

    `actor` names who acted ("officer:12", "staff:ana", "worker", "cli"); `action` is a short
    code ("login_failed", "content_opened", "number_revealed", "export", "assigned",
    "status_closed"); `detail` a short code too, never case content or a phone number.
    """
    signer = db.info.get(AUDIT_SIGNER_INFO)
    if not isinstance(signer, AuditSigner):
        raise AuditNotKeyed("this session has no audit signer; build it with audit_signer=")
    _check_fields(actor=actor, action=action, detail=detail)
    # Locking the head row serialises writers, so two transactions never chain to one seal.
    # SQLite ignores FOR UPDATE: the no-op UPDATE takes its write lock before the head is read.
    db.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq))
    head = db.scalars(
        select(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if head is None:
        head = AuditHead(id=HEAD_ID, hash=GENESIS_HASH, seq=0)
        db.add(head)
        db.flush()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=at,
        actor=actor,
        action=action,
        case_id=case_id,
        officer_id=officer_id,
        detail=detail,
        signer=signer.role,
        prev_hash=head.hash,
    )
    entry.hash = signer.seal_entry(entry.seq, head.hash, _event(entry))
    head.seq, head.hash, head.signer = entry.seq, entry.hash, signer.role
    head.seal = signer.seal_head(head.seq, head.hash)
    db.add(entry)
    return entry


def _check_fields(**fields: str) -> None:
    for name, value in fields.items():
        if len(value) > LIMITS[name] or not value.isprintable():
            raise AuditEventInvalid(f"audit {name} must be printable, at most {LIMITS[name]}")
    if not fields["actor"] or not fields["action"]:
        raise AuditEventInvalid("an audit event needs an actor and an action")


@dataclass(frozen=True)
class AuditRecord:
    """One entry as the auditor's page shows it: who, what, when, which case id; no content."""

    seq: int
    at: datetime
    actor: str
    action: str
    case_id: int | None
    officer_id: int | None
    detail: str
    signer: str | None


def list_audit_entries(
    db: Session, *, offset: int, limit: int, newest_first: bool = True
) -> list[AuditRecord]:
    """Return one page of entries, newest first unless asked otherwise."""
    if offset < 0 or not 1 <= limit <= 1000:
        raise ValueError("offset must be >= 0 and limit between 1 and 1000")
    order = AuditEntry.seq.desc() if newest_first else AuditEntry.seq
    rows = db.scalars(select(AuditEntry).order_by(order).offset(offset).limit(limit))
    return [
        AuditRecord(e.seq, e.at, e.actor, e.action, e.case_id, e.officer_id, e.detail, e.signer)
        for e in rows
    ]


def count_audit_entries(db: Session) -> int:
    """Return how many entries the log holds (for paging)."""
    return int(db.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@dataclass(frozen=True)
class AuditVerdict:
    """The outcome of a verification: how many entries, and the first break if any."""

    entries: int
    unkeyed: int
    broken: ChainBreak | None
    # The entry the head ends at, to keep as the next checkpoint (None for an empty log).
    checkpoint: Anchor | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def describe(self) -> str:
        """Return one line naming the first bad entry, or saying the chain holds."""
        if self.broken is not None:
            return f"audit chain broken at entry #{self.broken.seq}: {self.broken.reason}"
        note = f" ({self.unkeyed} written before the chain was keyed)" if self.unkeyed else ""
        return f"audit chain intact: {self.entries} entries{note}"


def verify_log(
    sessions: sessionmaker[Session], verifier: AuditVerifier, anchor: Anchor | None = None
) -> AuditVerdict:
    """Read the whole chain in one transaction and check every seal, the head and the anchor."""
    with sessions() as db:
        rows: Sequence[AuditEntry] = db.scalars(
            select(AuditEntry).order_by(AuditEntry.seq, AuditEntry.id)
        ).all()
        stored_head = db.get(AuditHead, HEAD_ID)
    entries = [ChainEntry(e.seq, e.signer, e.prev_hash, _event(e), e.hash) for e in rows]
    head = (
        ChainHead(stored_head.seq, stored_head.hash, stored_head.signer, stored_head.seal)
        if stored_head is not None
        else None
    )
    broken = verifier.first_break(entries, head, anchor)
    checkpoint = Anchor(entries[-1].seq, entries[-1].seal) if entries else None
    unkeyed = sum(1 for e in entries if e.signer is None)
    return AuditVerdict(len(entries), unkeyed, broken, checkpoint)


def _event(entry: AuditEntry) -> AuditEvent:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "case_id": entry.case_id if entry.case_id is not None else "",
        "officer_id": entry.officer_id if entry.officer_id is not None else "",
        "detail": entry.detail,
    }
