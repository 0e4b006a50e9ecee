"""SQLAlchemy models. No column holds a phone number, an answer, a PIN or a case code in clear."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flows.case_status import RECEIVED


def _same_as_created(context: DefaultExecutionContext) -> datetime | None:
    value = context.get_current_parameters().get("created_at")  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it unannotated
    return value if isinstance(value, datetime) else None


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Case(Base):
    """A report or help request: a routing envelope in plain columns plus sealed content."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Random reference bound into the seals, so a blob cannot be moved to another case.
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # Keyed digest of the USSD session id: urgent and final submits of one session are one case.
    session_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The case code sealed with the web's session key, so a repeated final hop shows the same code.
    code_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The same code sealed to the worker's contact key: alerts and updates must quote it.
    code_for_worker: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Stable keyed digest of the number, kept only when the reporter agreed to SMS (STOP, STATUS).
    contact_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    sms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20), default=RECEIVED, index=True)
    lang: Mapped[str] = mapped_column(String(4))
    province: Mapped[str | None] = mapped_column(String(32), index=True)
    subtype: Mapped[str | None] = mapped_column(String(32))
    gbv_type: Mapped[str | None] = mapped_column(String(48))
    perpetrator: Mapped[str | None] = mapped_column(String(32))
    police_perpetrator: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    pep_window: Mapped[bool] = mapped_column(Boolean, default=False)
    child_protection: Mapped[bool] = mapped_column(Boolean, default=False)
    help: Mapped[str | None] = mapped_column(String(32))
    contact: Mapped[str | None] = mapped_column(String(8))
    police_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    incident_week: Mapped[date | None] = mapped_column(Date)
    content_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    pin_digest: Mapped[str | None] = mapped_column(String(64))
    # The PIN's keyed MAC sealed to the worker's contact key, until the worker stretches it into
    # pin_digest (service/casework/pin_stretch.py): the web never spends scrypt on a report.
    pin_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # 16 bits of a keyed digest of the reporter's number: their own number passes a code's
    # lockout (service/intake/status_check.py); about 900 Mozambican numbers share each value.
    owner_tag: Mapped[str | None] = mapped_column(String(8))
    # The open urgent case this one repeats (same caller within hours): its holder is told once,
    # nobody is alerted for this one (service/casework/repeats.py).
    repeat_of_case_id: Mapped[int | None] = mapped_column(Integer)
    # Escalation stopped re-alerting (after its second round); the desk's badge counts these.
    escalation_stopped_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # Optimistic concurrency: every ORM update adds one, and fails if another came first. The
    # desk's case file compares it with the version its editor saw (service/desk/casefile).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    # SQLAlchemy reads this mapping once at class creation (ClassVar clashes with its typing).
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  # SQLAlchemy reads it as a plain dict


class OutboxJob(Base):
    """A job written in the same transaction as the change that needs it (transactional outbox)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # The inbound SMS a `handle_inbound_sms` row is for (the worker matches its sender).
    inbound_sms_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_sms.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Written "enqueued at creation" when the writer enqueues the row right after its commit, or
    # NULL ("waiting") for the worker's relay to claim (the web's intake, with rq). A failed
    # enqueue sets it back to NULL. See service/queueing/outbox.py.
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime, default=_same_as_created)
    done_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class EventCount(Base):
    """Counts only: end-of-session notices, malformed callbacks, refusals. No content."""

    __tablename__ = "event_counts"
    __table_args__ = (UniqueConstraint("name", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=0)
