"""Sign-in: password, then a TOTP code used once, behind throttles per account and per address."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crypto import CryptoError
from service.desk.context import DeskContext
from service.desk.passwords import (
    MAX_PASSWORD_LENGTH,
    accepted_step,
    hash_password,
    one_time_password,
    password_matches,
)
from service.desk.staff import open_totp_secret
from service.storage.desk_models import LoginThrottle, StaffAccount

# Five wrong tries lock an account for 15 minutes; an address gets more room (a shared office
# behind one NAT) before it too is held back.
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)

Outcome = Literal["ok", "wrong", "locked"]


@dataclass(frozen=True)
class SignIn:
    """The result of one attempt; `account_id` and `generation` only when it is ok."""

    outcome: Outcome
    account_id: int | None = None
    generation: int | None = None
    locked_until: datetime | None = None


def address_key(ctx: DeskContext, address: str) -> str:
    digest = hmac.new(ctx.address_key, address.encode(), hashlib.sha256).hexdigest()
    return "address:" + digest[:64]


def sign_in(ctx: DeskContext, username: str, password: str, code: str, address: str) -> SignIn:
    """Check the three factors; every wrong answer looks the same and counts against both keys."""
    now = ctx.clock()
    name = username.strip().lower()[:64]
    keys = ("account:" + name, address_key(ctx, address))
    with ctx.sessions.begin() as db:
        locked = _locked_until(db, keys, now)
        if locked is not None:
            return SignIn("locked", locked_until=locked)
        account = db.scalars(
            select(StaffAccount).where(StaffAccount.username == name).with_for_update()
        ).one_or_none()
        step = _verified_step(ctx, account, password, code, now)
        if account is None or step is None:
            until = _count_failure(db, keys, now)
            return SignIn("locked" if until else "wrong", locked_until=until)
        account.totp_last_step = step
        _clear(db, keys[0])
        return SignIn("ok", account.id, account.session_generation)


_DUMMY_HASH: list[str] = []


def _burn_time(password: str) -> None:
    """Hash as long as a real check would, so the reply's timing says nothing about the name."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(one_time_password()))
    password_matches(_DUMMY_HASH[0], password)


def _verified_step(
    ctx: DeskContext, account: StaffAccount | None, password: str, code: str, now: datetime
) -> int | None:
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    if account is None or account.disabled:
        _burn_time(password)
        return None
    if not password_matches(account.password_hash, password):
        return None
    try:
        secret = open_totp_secret(ctx.staff_cipher, account)
    except CryptoError:
        return None
    return accepted_step(secret, code, now, account.totp_last_step)


def _locked_until(db: Session, keys: tuple[str, ...], now: datetime) -> datetime | None:
    rows = db.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    ends = [r.locked_until for r in rows if r.locked_until is not None and r.locked_until > now]
    return max(ends) if ends else None


def _count_failure(db: Session, keys: tuple[str, ...], now: datetime) -> datetime | None:
    """Count one failure on each key; return when the lockout ends if one starts now."""
    until = None
    for key, limit in zip(keys, (ACCOUNT_FAILURES, ADDRESS_FAILURES), strict=True):
        row = _row(db, key, now)
        if now - row.window_start > WINDOW:
            row.failures, row.window_start = 0, now
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + LOCKOUT
            row.failures, row.window_start = 0, now
            until = row.locked_until
    return until


def _row(db: Session, key: str, now: datetime) -> LoginThrottle:
    row = db.scalars(
        select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
    ).one_or_none()
    if row is not None:
        return row
    row = LoginThrottle(key=key, failures=0, window_start=now, locked_until=None)
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        # Another sign-in made the row at the same moment: use theirs.
        return db.scalars(select(LoginThrottle).where(LoginThrottle.key == key)).one()
    return row


def _clear(db: Session, key: str) -> None:
    row = db.scalars(select(LoginThrottle).where(LoginThrottle.key == key)).one_or_none()
    if row is not None:
        row.failures = 0
        row.locked_until = None
