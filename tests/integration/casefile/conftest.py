"""The case-work world plus the desk's case file, built as the desk builds it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from service.clock import utcnow
from service.desk.casefile import Actor, CaseFiles, CaseFileView
from service.desk.casefile.building import build_case_files
from service.storage.casework_models import AuditEntry
from service.storage.models import Case
from tests.integration.casework.conftest import Filed, World, make_world
from tests.support.apps import admin_keys

NATIONAL = Actor(id=1, username="nacional", role="coordinator")
SOFALA = Actor(id=2, username="sofala", role="coordinator", provinces=frozenset({"sofala"}))
GAZA = Actor(id=3, username="gaza", role="coordinator", provinces=frozenset({"gaza"}))
AUDITOR = Actor(id=4, username="auditora", role="auditor")
ANY_REASON = "supervision"


def officer_actor(officer_id: int, staff_id: int = 50) -> Actor:
    """The desk account of an officer."""
    return Actor(
        id=staff_id, username=f"officer{officer_id}", role="officer", officer_id=officer_id
    )


@dataclass
class Desk:
    """A world with the desk's case file on top of it."""

    world: World
    files: CaseFiles

    def filed_and_assigned(self, **answers: str) -> Filed:
        filed = self.world.file(**answers)
        self.world.drain()
        return filed

    def view(self, filed: Filed, actor: Actor = NATIONAL) -> CaseFileView:
        return self.files.open(actor, filed.code)

    def version(self, filed: Filed) -> int:
        return self.world.case(filed.case_id).version

    def audit_actions(self, case_id: int) -> list[str]:
        with self.world.container.sessions() as db:
            return list(
                db.scalars(
                    select(AuditEntry.action)
                    .where(AuditEntry.case_id == case_id)
                    .order_by(AuditEntry.id)
                )
            )

    def age(self, case_id: int, minutes: int) -> None:
        """Make a case look older (maintenance only looks at cases past a few minutes)."""
        with self.world.container.sessions.begin() as db:
            db.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(created_at=utcnow() - timedelta(minutes=minutes))
                .execution_options(synchronize_session=False)
            )


@pytest.fixture
def desk(tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str) -> Iterator[Desk]:
    with make_world(tmp_path, postgres_url, redis_url, webhook_token) as world:
        # The desk's keys: the web's folder holds no report private key (admin_keys has all).
        files = build_case_files(world.container.sessions, admin_keys(world.settings), utcnow)
        yield Desk(world, files)
