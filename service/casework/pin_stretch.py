"""Stretch the PIN the web sealed at intake into the case's memory-hard digest (worker only).

The web seals the PIN's keyed MAC (cases.pin_sealed) instead of running scrypt on every report:
that was most of a report's CPU on the internet-facing host, and every fake report made the web
spend it. The worker opens the MAC, stretches it salted by the case's ref and keeps the digest.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from crypto import ContactOpener, SealBroken, UnknownKeyId, stretch_pin
from crypto.contexts import CASE_PIN_FOR_WORKER, context
from service.storage.models import Case

log = logging.getLogger(__name__)

# Cases stretched per maintenance run: each costs ~75 ms and 32 MiB, the jobs stretch the rest.
SWEEP_LIMIT = 100


def stretch_pending_pin(db: Session, case: Case, opener: ContactOpener) -> bool:
    """Turn the case's sealed PIN MAC into its digest, in `db`'s transaction; True if it did.

    Idempotent: a case already stretched (or without a PIN) is left as it is. A blob that does
    not open can never be stretched, so it is dropped: the case then has no PIN to check. One
    sealed to a key this worker lacks (UnknownKeyId) is kept for a worker that has it.
    """
    sealed = case.pin_sealed
    if sealed is None:
        return False
    try:
        keyed = bytes.fromhex(
            opener.open_for_worker(sealed, context(CASE_PIN_FOR_WORKER, case.ref))
        )
        digest: str | None = stretch_pin(keyed, case.ref)
    except UnknownKeyId:
        raise
    except (SealBroken, ValueError):
        log.warning("case %s: sealed PIN does not open; dropped", case.id)
        digest = None
    # Core, not the ORM: the case's version (the desk editor's and the intake's optimistic lock)
    # is not this write's business, and only the blob opened here is replaced (a PIN sealed again
    # meanwhile waits for its own stretch).
    done = db.execute(
        update(Case)
        .where(Case.id == case.id, Case.pin_sealed == sealed)
        .values(pin_digest=digest, pin_sealed=None)
        .returning(Case.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if done is None:
        return False
    set_committed_value(case, "pin_digest", digest)
    set_committed_value(case, "pin_sealed", None)
    return digest is not None


def stretch_case_pin(db: Session, case_id: int | None, opener: ContactOpener) -> bool:
    """Lock the case and stretch its PIN if still pending (a job's or the sweep's transaction)."""
    if case_id is None:
        return False
    case = db.scalars(
        select(Case).where(Case.id == case_id, Case.pin_sealed.is_not(None)).with_for_update()
    ).one_or_none()
    return case is not None and stretch_pending_pin(db, case, opener)


def stretch_pending_pins(sessions: sessionmaker[Session], opener: ContactOpener) -> int:
    """The maintenance sweep: stretch the PINs no job did (a job lost or failed)."""
    with sessions() as db:
        ids = db.scalars(
            select(Case.id).where(Case.pin_sealed.is_not(None)).order_by(Case.id).limit(SWEEP_LIMIT)
        ).all()
    stretched = 0
    for case_id in ids:
        # One transaction per case: each holds its row ~75 ms, and one bad blob stops no other.
        try:
            with sessions.begin() as db:
                stretched += stretch_case_pin(db, case_id, opener)
        except UnknownKeyId:
            log.error("case %s: its PIN is sealed to a key this worker lacks", case_id)
    return stretched
