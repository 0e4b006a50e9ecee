"""Write outbound SMS rows: recipient and body sealed to the worker's key, nothing in clear."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import ContactOpener, ContactSealer
from crypto.contexts import SMS_BODY, SMS_RECIPIENT, context
from service.storage.casework_models import OutboundSms

OFFICER = "officer"
REPORTER = "reporter"


def recipient_context(ref: str) -> str:
    return context(SMS_RECIPIENT, ref)


def body_context(ref: str) -> str:
    return context(SMS_BODY, ref)


@dataclass(frozen=True)
class OpenedSms:
    """An outbound message opened by the worker just before it is sent."""

    recipient: str
    body: str


class OutboundWriter:
    """Add sealed SMS rows in the caller's transaction; the caller enqueues them after commit."""

    def __init__(self, sealer: ContactSealer, clock: Callable[[], datetime]) -> None:
        self._sealer = sealer
        self._clock = clock

    def add(
        self,
        db: Session,
        *,
        recipient: str,
        body: str,
        purpose: str,
        audience: str,
        case_id: int | None = None,
        officer_id: int | None = None,
        dedupe_key: str | None = None,
    ) -> OutboundSms:
        """Return the new row, or the row already written under `dedupe_key`."""
        if dedupe_key is not None:
            existing = db.scalars(
                select(OutboundSms).where(OutboundSms.dedupe_key == dedupe_key)
            ).first()
            if existing is not None:
                return existing
        now = self._clock()
        ref = secrets.token_hex(16)
        row = OutboundSms(
            ref=ref,
            purpose=purpose,
            audience=audience,
            case_id=case_id,
            officer_id=officer_id,
            dedupe_key=dedupe_key,
            recipient_sealed=self._sealer.seal_for_worker(recipient, recipient_context(ref)),
            body_sealed=self._sealer.seal_for_worker(body, body_context(ref)),
            status="pending",
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        db.add(row)
        db.flush()
        return row


def open_sms(opener: ContactOpener, row: OutboundSms) -> OpenedSms:
    """Open a row's recipient and body (worker only: it holds the contact private key)."""
    return OpenedSms(
        recipient=opener.open_for_worker(row.recipient_sealed, recipient_context(row.ref)),
        body=opener.open_for_worker(row.body_sealed, body_context(row.ref)),
    )
