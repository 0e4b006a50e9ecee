"""The officer registry: add, edit, list, duty, deactivate. Numbers kept as digest and seal only."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crypto import ContactSealer, NumberHasher
from crypto.contexts import OFFICER_NUMBER, context
from service.casework.audit import record_event
from service.casework.texts import LANGUAGES
from service.casework.vocab import OPEN_STATUSES, PROVINCES, ROLES, province_code, role_code
from service.messaging.phone_numbers import InvalidPhoneNumber, normalise_phone
from service.storage.casework_models import Assignment, Officer
from service.storage.models import Case, OutboxJob

ACTOR = "cli"


class OfficerError(Exception):
    """A registry change that cannot be made; the message never carries a phone number."""


@dataclass(frozen=True)
class OfficerView:
    """An officer as lists show them: no number, only its last two digits."""

    id: int
    name: str
    role: str
    province: str
    lang: str
    on_duty: bool
    active: bool
    phone_tail: str

    @property
    def masked_phone(self) -> str:
        return "…" + self.phone_tail


LIST_ALL = "handsoff officer list --all"
ALREADY_REGISTERED = f"an officer with this number is already registered: see `{LIST_ALL}`"
# Says what to type instead; never echoes what was typed (it may be someone's number).
INVALID_NUMBER = "invalid number: give a Mozambican mobile as +2588XXXXXXXX or 8XXXXXXXX (9 digits)"


def normalise_officer_phone(raw: str) -> str:
    """The officer's number in E.164; OfficerError says how to write one, never what was typed."""
    try:
        return normalise_phone(raw)
    except InvalidPhoneNumber:
        raise OfficerError(INVALID_NUMBER) from None


def parse_province(text: str) -> str:
    code = province_code(text)
    if code is None:
        raise OfficerError("unknown province: use one of " + ", ".join(PROVINCES))
    return code


def parse_role(text: str) -> str:
    code = role_code(text)
    if code is None:
        raise OfficerError("unknown role: use one of " + ", ".join(ROLES))
    return code


def parse_lang(text: str) -> str:
    if text not in LANGUAGES:
        raise OfficerError("unknown language: use one of " + ", ".join(LANGUAGES))
    return text


class OfficerRegistry:
    """Officer records; holds the officer-digest key and the contact public key, nothing private."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        numbers: NumberHasher,
        sealer: ContactSealer,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self._numbers = numbers
        self._sealer = sealer
        self._clock = clock

    def add(self, *, name: str, phone: str, province: str, role: str, lang: str = "pt") -> int:
        """Register an officer on duty; return their id."""
        e164 = normalise_officer_phone(phone)
        now = self._clock()
        officer = Officer(
            ref=secrets.token_hex(16),
            name=_clean_name(name),
            role=parse_role(role),
            province=parse_province(province),
            lang=parse_lang(lang),
            on_duty=True,
            active=True,
            created_at=now,
            updated_at=now,
        )
        self._set_phone(officer, e164)
        try:
            with self.sessions.begin() as db:
                db.add(officer)
                db.flush()
                record_event(db, at=now, actor=ACTOR, action="officer_added", officer_id=officer.id)
        except IntegrityError:
            raise OfficerError(ALREADY_REGISTERED) from None
        return officer.id

    def edit(
        self,
        officer_id: int,
        *,
        name: str | None = None,
        phone: str | None = None,
        province: str | None = None,
        role: str | None = None,
        lang: str | None = None,
    ) -> list[int]:
        """Change an officer's details; a new role or province moves their open cases on.

        Returns the outbox rows that reassign them: a liaison moved into a police role must not
        keep a case whose perpetrators are police (the conflict-of-interest rule).
        """
        e164 = normalise_officer_phone(phone) if phone is not None else None
        try:
            with self.sessions.begin() as db:
                officer = self._get(db, officer_id)
                moved = (role is not None and parse_role(role) != officer.role) or (
                    province is not None and parse_province(province) != officer.province
                )
                if name is not None:
                    officer.name = _clean_name(name)
                if e164 is not None:
                    self._set_phone(officer, e164)
                if province is not None:
                    officer.province = parse_province(province)
                if role is not None:
                    officer.role = parse_role(role)
                if lang is not None:
                    officer.lang = parse_lang(lang)
                officer.updated_at = self._clock()
                db.flush()
                record_event(
                    db, at=self._clock(), actor=ACTOR, action="officer_edited",
                    officer_id=officer.id,
                )  # fmt: skip
                return self._reassign_open_cases(db, officer_id) if moved else []
        except IntegrityError:
            raise OfficerError(ALREADY_REGISTERED) from None

    def set_duty(self, officer_id: int, on_duty: bool) -> None:
        """Put an officer on or off duty: off duty, they get no new cases."""
        with self.sessions.begin() as db:
            officer = self._get(db, officer_id)
            officer.on_duty = on_duty
            officer.updated_at = self._clock()
            record_event(
                db, at=self._clock(), actor=ACTOR, action="on_duty" if on_duty else "off_duty",
                officer_id=officer.id,
            )  # fmt: skip

    def deactivate(self, officer_id: int) -> list[int]:
        """Deactivate an officer; return the outbox rows that move their open cases on."""
        now = self._clock()
        with self.sessions.begin() as db:
            officer = self._get(db, officer_id)
            officer.active = False
            officer.on_duty = False
            officer.updated_at = now
            record_event(
                db, at=now, actor=ACTOR, action="officer_deactivated", officer_id=officer_id
            )
            return self._reassign_open_cases(db, officer_id)

    def _reassign_open_cases(self, db: Session, officer_id: int) -> list[int]:
        """Write a `reassign_case` outbox row for every open case the officer holds."""
        case_ids = db.scalars(
            select(Assignment.case_id)
            .join(Case, Case.id == Assignment.case_id)
            .where(Assignment.officer_id == officer_id, Assignment.ended_at.is_(None))
            .where(Case.status.in_(OPEN_STATUSES))
        ).all()
        now = self._clock()
        rows = [OutboxJob(job="reassign_case", case_id=c, created_at=now) for c in case_ids]
        db.add_all(rows)
        db.flush()
        return [row.id for row in rows]

    def list(
        self,
        *,
        province: str | None = None,
        role: str | None = None,
        include_inactive: bool = False,
    ) -> list[OfficerView]:
        query = select(Officer).order_by(Officer.province, Officer.role, Officer.name)
        if province is not None:
            query = query.where(Officer.province == parse_province(province))
        if role is not None:
            query = query.where(Officer.role == parse_role(role))
        if not include_inactive:
            query = query.where(Officer.active.is_(True))
        with self.sessions() as db:
            return [_view(o) for o in db.scalars(query)]

    def _set_phone(self, officer: Officer, e164: str) -> None:
        officer.phone_digest = self._numbers.number_digest(e164)
        officer.phone_sealed = self._sealer.seal_for_worker(
            e164, context(OFFICER_NUMBER, officer.ref)
        )
        officer.phone_tail = e164[-2:]

    @staticmethod
    def _get(db: Session, officer_id: int) -> Officer:
        officer = db.get(Officer, officer_id, with_for_update=True)
        if officer is None:
            raise OfficerError(f"no officer with id {officer_id}: see `{LIST_ALL}`")
        return officer


def _view(o: Officer) -> OfficerView:
    return OfficerView(o.id, o.name, o.role, o.province, o.lang, o.on_duty, o.active, o.phone_tail)


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 80:
        raise OfficerError("a name must be 1 to 80 characters long")
    if any(ch.isdigit() for ch in cleaned):
        # A number typed into the name field would be stored and shown in clear.
        raise OfficerError("a name must not contain digits")
    return cleaned
