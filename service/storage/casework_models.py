"""Case-work tables: officers, assignments, referrals, notes, SMS in and out, the audit log.

Like every table, none holds a phone number, a case code, a PIN or a message in clear: numbers
and bodies are sealed to the worker's contact key, notes and free text to the desk's report key,
and numbers are matched by keyed digest.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.storage.models import Base


class Officer(Base):
    """A case officer or coordinator; the number is kept as a digest (matching) and sealed."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Random reference bound into the sealed number, so a blob cannot be moved to another officer.
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(24), index=True)
    province: Mapped[str] = mapped_column(String(32), index=True)
    lang: Mapped[str] = mapped_column(String(4), default="pt")
    phone_digest: Mapped[str] = mapped_column(String(64), unique=True)
    phone_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The last two digits only, so a list can tell two officers apart without showing a number.
    phone_tail: Mapped[str] = mapped_column(String(2))
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Assignment(Base):
    """One officer holding one case; a case has at most one current (not ended) assignment."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index(
            "uq_assignments_current",
            "case_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    # Why it was made: new, rerouted (final answers changed the fit), escalated, reassigned.
    reason: Mapped[str] = mapped_column(String(16))
    assigned_at: Mapped[datetime] = mapped_column(DateTime)
    ack_deadline: Mapped[datetime] = mapped_column(DateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))


class Referral(Base):
    """A referral to a service, numbered per case, with its own status."""

    __tablename__ = "referrals"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24))
    # Who recorded it: an officer by SMS, or a desk staff member (the desk's own staff table
    # owns that id; kept as a plain integer, no foreign key, so this table does not depend on it).
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    staff_id: Mapped[int | None] = mapped_column(Integer)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CaseNote(Base):
    """A note an officer texted in, sealed to the desk's report key (officers write, desk reads)."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # An officer's note by SMS, or a desk staff member's (plain integer, see Referral).
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    staff_id: Mapped[int | None] = mapped_column(Integer)
    content_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CaseClosure(Base):
    """Why and when a case was closed (a reopened case can be closed again)."""

    __tablename__ = "case_closures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    staff_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    closed_at: Mapped[datetime] = mapped_column(DateTime)


class ContactRequest(Base):
    """An officer asked for the number of a reporter who asked for a call; the worker answers."""

    __tablename__ = "contact_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))


class OutboundSms(Base):
    """One SMS to send: recipient and body sealed to the worker's key, plus its delivery record."""

    __tablename__ = "outbound_sms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    # officer_alert, coordinator_notice, officer_reply, officer_contact, reporter_update,
    # reporter_reply: what it is for, never what it says.
    purpose: Mapped[str] = mapped_column(String(24))
    audience: Mapped[str] = mapped_column(String(12))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    # Ids only ("alert:12"): a job run twice finds the row it wrote the first time.
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    recipient_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # pending, sending, retry, sent, delivered, failed, unknown, cancelled (docs/casework.md).
    status: Mapped[str] = mapped_column(String(12), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    provider_message_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    delivery_status: Mapped[str | None] = mapped_column(String(24))
    # temporary, final, ambiguous, delivery; the code names the cause (http_500, status_403 ...).
    failure_class: Mapped[str | None] = mapped_column(String(12))
    failure_code: Mapped[str | None] = mapped_column(String(48))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class InboundSmsSeen(Base):
    """The aggregator's id of each inbound SMS handled (it retries for 12 hours until a 200)."""

    __tablename__ = "inbound_sms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(128), unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    # pending (the worker has not handled it yet), then officer_command, reporter_command,
    # free_text, ignored: a count, never the text.
    handled_as: Mapped[str] = mapped_column(String(24))
    ref: Mapped[str | None] = mapped_column(String(32))
    # Sender and text sealed to the worker's key (context INBOUND_SMS + ref); emptied once handled.
    message_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class StructuringItem(Base):
    """A free-text SMS, sealed to the desk's key, waiting for a coordinator to structure it."""

    __tablename__ = "structuring_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    content_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    contact_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    contact_digest: Mapped[str] = mapped_column(String(64), index=True)
    lang: Mapped[str] = mapped_column(String(4))
    # new, structured (became case_id), discarded (with discard_reason).
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    discard_reason: Mapped[str | None] = mapped_column(String(24))


class AuditEntry(Base):
    """One sealed audit event: who did what to which case, ids and codes only (docs/audit.md)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # 1, 2, 3 … with no gap, given under the head's lock: a missing number is a deleted entry.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(48))
    action: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    officer_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(64), default="")
    # The process role whose audit key sealed it (web, worker, desk); NULL for entries written
    # before the chain was keyed, which carry the unkeyed SHA-256 hash.
    signer: Mapped[str | None] = mapped_column(String(8))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The single row holding the chain's length and last seal; locking it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # Sealed by the last writer's audit key over (seq, hash): cutting entries off the end shows.
    signer: Mapped[str | None] = mapped_column(String(8))
    seal: Mapped[str | None] = mapped_column(String(64))


class CaseSeen(Base):
    """When a desk staff member last looked at a case, to show them what changed since."""

    __tablename__ = "case_seen"
    __table_args__ = (UniqueConstraint("staff_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The desk's staff id as a plain integer: the staff table belongs to the desk, and a marker
    # of a removed account is harmless.
    staff_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime)


class UnassignedAlert(Base):
    """Coordinators were texted that nobody on duty holds this case (once per case)."""

    __tablename__ = "unassigned_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    alerted_at: Mapped[datetime] = mapped_column(DateTime)
    recipients: Mapped[int] = mapped_column(Integer)
