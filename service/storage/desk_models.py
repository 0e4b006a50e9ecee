"""Desk tables: staff accounts and login throttles (last-seen markers are the case file's).

No column holds a password or a TOTP secret in clear: passwords are Argon2id hashes and the TOTP
secret is encrypted under the desk's session key (the desk holds it; the web answers no login).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.storage.models import Base


class StaffAccount(Base):
    """A person who signs in to the desk: coordinator, officer or auditor."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # coordinator, officer, auditor (service/desk/roles.py).
    role: Mapped[str] = mapped_column(String(16))
    # Space-separated province codes a coordinator covers; empty means national.
    provinces: Mapped[str] = mapped_column(String(400), default="")
    # An officer account is the desk face of one Officer row: it sees the cases that row holds.
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    lang: Mapped[str] = mapped_column(String(4), default="pt")
    password_hash: Mapped[str] = mapped_column(String(200))
    # The TOTP secret, AES-GCM under the desk's session key, bound to the account id.
    totp_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The last TOTP time step accepted: a code is good once (RFC 6238 section 5.2).
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on every password change or reset: every session of the old generation ends.
    session_generation: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class LoginThrottle(Base):
    """Failed sign-ins per account or per address (a keyed digest), and any lockout."""

    __tablename__ = "staff_login_throttle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "account:<username>" or "address:<digest>": the address itself is never stored.
    key: Mapped[str] = mapped_column(String(96), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
