"""A desk under test: the desk app on real SQL, cases filed through the real intake, staff."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from config.settings import Settings
from crypto import ContactSealer, KeyStore, ReportSealer, SecretHasher, StateCipher
from crypto.contexts import INBOX_ITEM, context
from flows import SubmitCase
from service.bootstrap.desk import build_desk
from service.desk.app import create_desk_app
from service.desk.context import DeskContext
from service.desk.passwords import hash_password
from service.desk.staff import StaffRegistry
from service.intake.reports import Intake
from service.storage.casework_models import Assignment, Officer
from service.storage.desk_models import StaffAccount
from service.storage.engine import make_engine, upgrade_schema

REPORT = {
    "what": "beating",
    "danger": "no",
    "when": "earlier",
    "who": "client",
    "province": "sofala",
    "help": "psychosocial",
    "contact": "sms",
    "police_ok": "no",
    "pin": "2468",
}
PASSWORD = "correct horse battery"
# Both ways the pages write the token: WTForms' field, and the templates' plain hidden input.
CSRF = re.compile(
    rb'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


class TestClock:
    """A clock the test moves: session expiry and TOTP steps follow it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Staff:
    username: str
    password: str
    totp_secret: str
    account_id: int


@dataclass
class DeskWorld:
    settings: Settings
    ctx: DeskContext
    app: Flask
    clock: TestClock
    intake: Intake
    registry: StaffRegistry
    filed: list[int] = field(default_factory=list)

    def officer(self, name: str, *, role: str, province: str = "sofala") -> int:
        """An Officer row as `handsoff officer add` leaves it (the number is not needed here)."""
        now = self.clock()
        with self.ctx.sessions.begin() as db:
            row = Officer(
                ref=secrets.token_hex(16),
                name=name,
                role=role,
                province=province,
                lang="pt",
                phone_digest=secrets.token_hex(32),
                phone_sealed=b"sealed elsewhere",
                phone_tail="00",
                on_duty=True,
                active=True,
                created_at=now,
                updated_at=now,
            )
            db.add(row)
            db.flush()
            return row.id

    def file(self, **answers: str) -> tuple[int, str]:
        """A report committed through the real intake; returns (case id, code)."""
        merged = {**REPORT, **answers}
        submitted = self.intake.submit(
            SubmitCase("report", "final", merged),  # type: ignore[arg-type]
            session_digest=secrets.token_hex(16),
            phone=f"+25884{secrets.randbelow(10**7):07d}",
            lang="pt",
            now=self.clock(),
        )
        return submitted.case_id, submitted.code

    def assign(
        self, case_id: int, officer_id: int, *, minutes: int = 15, acknowledged: bool = False
    ) -> None:
        now = self.clock()
        with self.ctx.sessions.begin() as db:
            db.add(
                Assignment(
                    case_id=case_id,
                    officer_id=officer_id,
                    reason="new",
                    assigned_at=now,
                    ack_deadline=now + timedelta(minutes=minutes),
                    acknowledged_at=now if acknowledged else None,
                )
            )

    def staff(
        self,
        username: str,
        *,
        role: str,
        provinces: tuple[str, ...] = (),
        officer_id: int | None = None,
        lang: str = "en",
        first_login_done: bool = True,
    ) -> Staff:
        """An account made by the registry; by default its first password change is done."""
        credentials = self.registry.add(
            username, role=role, provinces=provinces, officer_id=officer_id, lang=lang
        )
        secret = parse_qs(urlparse(credentials.otpauth_uri).query)["secret"][0]
        password = credentials.one_time_password
        with self.ctx.sessions.begin() as db:
            account = db.scalars(
                select(StaffAccount).where(StaffAccount.username == username)
            ).one()
            if first_login_done:
                account.password_hash = hash_password(PASSWORD)
                account.must_change_password = False
                password = PASSWORD
            account_id = account.id
        return Staff(username, password, secret, account_id)

    def client(self) -> DeskClient:
        return DeskClient(self.app.test_client(), self)

    def signed_in(self, staff: Staff) -> DeskClient:
        client = self.client()
        response = client.login(staff)
        assert response.status_code == 302, response.text
        return client


class DeskClient:
    """A browser without JavaScript: HTTPS, cookies, and the CSRF token of the last page."""

    def __init__(self, client: FlaskClient, world: DeskWorld) -> None:
        self._client = client
        self._world = world
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("headers", {"Accept-Language": "en"})
        response = self._client.get(path, base_url="https://localhost", **kwargs)
        self._remember_token(response)
        return response

    def post(self, path: str, data: dict[str, str], *, csrf: bool = True) -> TestResponse:
        if csrf:
            if not self.csrf:
                self.get("/desk/login")
            data = {"csrf_token": self.csrf, **data}
        response = self._client.post(
            path, data=data, base_url="https://localhost", headers={"Accept-Language": "en"}
        )
        self._remember_token(response)
        return response

    def code(self, staff: Staff) -> str:
        """The TOTP code for the world's clock; the clock then moves past its step."""
        moment = self._world.clock().replace(tzinfo=UTC)
        code = pyotp.TOTP(staff.totp_secret).at(moment)
        self._world.clock.advance(seconds=30)
        return code

    def login(self, staff: Staff, *, password: str | None = None) -> TestResponse:
        self.get("/desk/login")
        return self.post(
            "/desk/login",
            {
                "username": staff.username,
                "password": password or staff.password,
                "code": self.code(staff),
            },
        )

    def _remember_token(self, response: TestResponse) -> None:
        # Read the body, then close it: a static file's handle must not outlive the request.
        response.get_data()
        response.close()
        found = CSRF.search(response.data)
        if found:
            self.csrf = (found.group(1) or found.group(2)).decode()


def desk_settings(home: Path, database_url: str) -> Settings:
    """Production settings (PostgreSQL), the desk's keys provisioned as docs/keys.md says: every
    key made in an admin folder (`handsoff keys init`), the desk's share exported to its host."""
    settings = Settings.from_env(
        {"HANDSOFF_HOME": str(home), "DATABASE_URL": database_url}, serves_callbacks=False
    )
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    engine.dispose()
    KeyStore.generate(home / "admin" / "keys").export(settings.keys_dir, role="desk")
    return settings


@contextmanager
def desk_world(home: Path, database_url: str) -> Iterator[DeskWorld]:
    settings = desk_settings(home, database_url)
    clock = TestClock()
    ctx = build_desk(settings, clock=clock)
    app = create_desk_app(settings, ctx)
    keys = KeyStore(settings.keys_dir)
    intake = Intake(
        sessions=ctx.sessions,
        report_sealer=ReportSealer(keys.report_public()),
        contact_sealer=ContactSealer(keys.contact_public()),
        state_cipher=StateCipher(keys.session_key()),
        hasher=SecretHasher(keys.code_key()),
        random_digits=lambda: f"{secrets.randbelow(10**8):08d}",
        relayed=True,
    )
    registry = StaffRegistry(ctx.sessions, ctx.staff_cipher, clock)
    try:
        yield DeskWorld(settings, ctx, app, clock, intake, registry)
    finally:
        ctx.close()


def version_on(page: bytes) -> str:
    """The case version the page's forms carry back."""
    found = re.search(rb'name="version" value="(\d+)"', page)
    assert found is not None, "the page has no case form"
    return found.group(1).decode()


def keep_free_text(world: DeskWorld, text: str) -> int:
    """A free-text SMS kept as the web's SMS inbox keeps it (sealed); returns its queue id."""
    from service.storage.casework_models import StructuringItem

    keys = KeyStore(world.settings.keys_dir)
    ref = secrets.token_hex(16)
    with world.ctx.sessions.begin() as db:
        item = StructuringItem(
            ref=ref,
            content_sealed=ReportSealer(keys.report_public()).seal_report(
                text.encode(), context(INBOX_ITEM, ref)
            ),
            contact_sealed=ContactSealer(keys.contact_public()).seal_for_worker(
                "+258841112233", context(INBOX_ITEM, ref)
            ),
            contact_digest=secrets.token_hex(32),
            lang="pt",
            status="new",
            received_at=world.clock(),
        )
        db.add(item)
        db.flush()
        return item.id
