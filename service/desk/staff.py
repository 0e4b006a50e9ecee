"""Staff accounts: add, list, reset, disable (the `handsoff staff` commands), and sign-in checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crypto import StateCipher
from service.casework.vocab import province_code
from service.desk.passwords import (
    hash_password,
    new_totp_secret,
    one_time_password,
    provisioning_uri,
)
from service.desk.roles import COORDINATOR, LANGUAGES, OFFICER, STAFF_ROLES
from service.storage.casework_models import Officer
from service.storage.desk_models import StaffAccount

MAX_USERNAME = 64


class StaffError(Exception):
    """A staff command cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class Credentials:
    """What a new or reset account's owner is told once: never stored in clear."""

    username: str
    one_time_password: str
    otpauth_uri: str


@dataclass(frozen=True)
class StaffView:
    """An account as `staff list` shows it: no secret."""

    id: int
    username: str
    role: str
    provinces: str
    officer_id: int | None
    lang: str
    disabled: bool
    must_change_password: bool


def totp_context(username: str) -> bytes:
    return b"staff-totp:" + username.encode()


def open_totp_secret(cipher: StateCipher, account: StaffAccount) -> str:
    return cipher.open(account.totp_sealed, totp_context(account.username)).decode()


class StaffRegistry:
    """Create and change staff accounts; secrets leave only once, as Credentials."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cipher: StateCipher,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._clock = clock

    def add(
        self,
        username: str,
        *,
        role: str,
        provinces: Iterable[str] = (),
        officer_id: int | None = None,
        lang: str = "pt",
    ) -> Credentials:
        """Create an account that must change its password at first sign-in."""
        username = _check_username(username)
        codes = _province_codes(provinces)
        if role not in STAFF_ROLES:
            raise StaffError(f"unknown role {role!r}: use one of {', '.join(STAFF_ROLES)}")
        if codes and role != COORDINATOR:
            raise StaffError("only a coordinator has provinces")
        if (officer_id is None) == (role == OFFICER):
            raise StaffError("an officer account needs --officer ID, and only an officer has one")
        if lang not in LANGUAGES:
            raise StaffError(f"unknown language {lang!r}: use pt or en")
        now = self._clock()
        password, secret = one_time_password(), new_totp_secret()
        with self._sessions.begin() as db:
            if db.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
                raise StaffError(f"an account named {username!r} exists already")
            if officer_id is not None:
                officer = db.get(Officer, officer_id)
                if officer is None or not officer.active:
                    raise StaffError(f"no active officer with id {officer_id}")
            db.add(
                StaffAccount(
                    username=username,
                    role=role,
                    provinces=" ".join(sorted(codes)),
                    officer_id=officer_id,
                    lang=lang,
                    password_hash=hash_password(password),
                    totp_sealed=self._cipher.seal(secret.encode(), totp_context(username)),
                    totp_last_step=0,
                    must_change_password=True,
                    disabled=False,
                    session_generation=1,
                    created_at=now,
                    updated_at=now,
                )
            )
        return Credentials(username, password, provisioning_uri(secret, username))

    def list(self) -> list[StaffView]:
        with self._sessions() as db:
            accounts = db.scalars(select(StaffAccount).order_by(StaffAccount.username)).all()
            return [
                StaffView(
                    id=a.id,
                    username=a.username,
                    role=a.role,
                    provinces=a.provinces,
                    officer_id=a.officer_id,
                    lang=a.lang,
                    disabled=a.disabled,
                    must_change_password=a.must_change_password,
                )
                for a in accounts
            ]

    def reset(self, username: str) -> Credentials:
        """New one-time password and TOTP secret; every session ends; re-enables the account."""
        password, secret = one_time_password(), new_totp_secret()
        with self._sessions.begin() as db:
            account = self._get(db, username)
            account.password_hash = hash_password(password)
            account.totp_sealed = self._cipher.seal(secret.encode(), totp_context(username))
            account.totp_last_step = 0
            account.must_change_password = True
            account.disabled = False
            account.session_generation += 1
            account.updated_at = self._clock()
        return Credentials(username, password, provisioning_uri(secret, username))

    def disable(self, username: str) -> None:
        """No more sign-ins; every open session ends at its next request."""
        with self._sessions.begin() as db:
            account = self._get(db, username)
            account.disabled = True
            account.session_generation += 1
            account.updated_at = self._clock()

    @staticmethod
    def _get(db: Session, username: str) -> StaffAccount:
        account = db.scalars(
            select(StaffAccount).where(StaffAccount.username == username).with_for_update()
        ).one_or_none()
        if account is None:
            raise StaffError(f"no account named {username!r}")
        return account


def _check_username(username: str) -> str:
    username = username.strip().lower()
    allowed = username.replace(".", "").replace("-", "").replace("_", "")
    well_formed = allowed.isascii() and allowed.isalnum()
    if not username or len(username) > MAX_USERNAME or not well_formed:
        raise StaffError("a username is 1-64 letters, digits, dots, dashes or underscores")
    return username


def _province_codes(provinces: Iterable[str]) -> frozenset[str]:
    codes = set()
    for text in provinces:
        code = province_code(text)
        if code is None:
            raise StaffError(f"unknown province {text!r}")
        codes.add(code)
    return frozenset(codes)
