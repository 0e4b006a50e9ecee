"""Desk engines on real PostgreSQL: a fresh schema per test and a helper that seeds rows."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from flows.envelope import GBV_TYPES
from service.storage.casework_models import (
    Assignment,
    CaseClosure,
    Officer,
    OutboundSms,
    Referral,
)
from service.storage.engine import make_engine, make_sessionmaker, upgrade_schema
from service.storage.models import Case
from tests.support.desk import DeskWorld, desk_world


@pytest.fixture(params=["postgresql", "sqlite"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on real PostgreSQL, and on the embedded default's SQLite file."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'handsoff.db'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


class Seeder:
    """Writes cases and what happened to them straight into the tables, with chosen times."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self._officer: Officer | None = None

    def officer(self) -> Officer:
        if self._officer is None:
            now = datetime(2026, 1, 1)
            self._officer = Officer(
                ref=secrets.token_hex(8),
                name="Ana",
                role="coordinator",
                province="sofala",
                phone_digest=secrets.token_hex(32),
                phone_sealed=b"sealed",
                phone_tail="00",
                created_at=now,
                updated_at=now,
            )
            self.db.add(self._officer)
            self.db.flush()
        return self._officer

    def case(
        self,
        *,
        at: datetime,
        province: str | None = "sofala",
        subtype: str | None = "beating",
        perpetrator: str | None = "client",
        kind: str = "report",
        pep_window: bool = False,
        acknowledged_after: timedelta | None = None,
        closed_after: timedelta | None = None,
        closure_reason: str = "needs_met",
        referrals: tuple[tuple[str, str], ...] = (),
        undelivered_sms: int = 0,
    ) -> Case:
        case = Case(
            ref=secrets.token_hex(8),
            code_digest=secrets.token_hex(32),
            kind=kind,
            stage="final",
            status="closed" if closed_after is not None else "assigned",
            lang="pt",
            province=province,
            subtype=subtype,
            gbv_type=GBV_TYPES.get(subtype) if subtype else None,
            perpetrator=perpetrator,
            pep_window=pep_window,
            content_sealed=b"sealed",
            created_at=at,
            updated_at=at,
        )
        self.db.add(case)
        self.db.flush()
        officer = self.officer()
        self.db.add(
            Assignment(
                case_id=case.id,
                officer_id=officer.id,
                reason="new",
                assigned_at=at,
                ack_deadline=at + timedelta(hours=24),
                acknowledged_at=at + acknowledged_after if acknowledged_after else None,
            )
        )
        if closed_after is not None:
            self.db.add(
                CaseClosure(
                    case_id=case.id,
                    officer_id=officer.id,
                    reason=closure_reason,
                    closed_at=at + closed_after,
                )
            )
        for number, (service, status) in enumerate(referrals, start=1):
            self.db.add(
                Referral(
                    case_id=case.id,
                    number=number,
                    service=service,
                    status=status,
                    officer_id=officer.id,
                    created_at=at,
                    updated_at=at,
                )
            )
        for _ in range(undelivered_sms):
            self.db.add(
                OutboundSms(
                    ref=secrets.token_hex(8),
                    purpose="officer_alert",
                    audience="officer",
                    case_id=case.id,
                    officer_id=officer.id,
                    recipient_sealed=b"sealed",
                    body_sealed=b"sealed",
                    status="failed",
                    created_at=at,
                    updated_at=at,
                )
            )
        self.db.flush()
        return case

    def many(self, count: int, **fields: object) -> None:
        for _ in range(count):
            self.case(**fields)  # type: ignore[arg-type]


@pytest.fixture
def desk(tmp_path: Path, postgres_url: str) -> Iterator[DeskWorld]:
    """The desk app on real PostgreSQL, with staff, officers and cases filed by the intake."""
    with desk_world(tmp_path, postgres_url) as world:
        yield world
