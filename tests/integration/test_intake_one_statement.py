"""A new case on PostgreSQL is one statement in autocommit: no BEGIN, no COMMIT round trip.

The case and its outbox row are one `INSERT … WITH`, atomic and durable on its own, so the
submit sends that statement alone. What must stay true around it: both rows are written or
neither, the connection goes back to the pool transactional, and a submit that reads first (an
urgent case completed) still runs in a transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, insert, select, text

from flows import SubmitCase
from service.bootstrap.web import WebContainer
from service.clock import utcnow
from service.intake.reports import Submitted
from service.storage.models import Case, OutboxJob
from tests.support.apps import make_app, production_settings

PLAIN = {
    "what": "rape",
    "danger": "no",
    "when": "earlier",
    "who": "client",
    "province": "sofala",
    "help": "health",
    "contact": "none",
    "police_ok": "no",
    "pin": "2468",
}
URGENT = {"what": "rape", "danger": "yes"}
FINAL = {**PLAIN, **URGENT, "contact": "sms"}


@dataclass
class Sent:
    statement: str
    autocommit: bool


@pytest.fixture
def container(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> Iterator[WebContainer]:
    _, built = make_app(production_settings(tmp_path, postgres_url, redis_url, webhook_token))
    yield built
    built.close()


def _statements(engine: Engine) -> tuple[list[Sent], Any]:
    """Record every statement sent, with the DBAPI connection's autocommit at that moment."""
    sent: list[Sent] = []

    def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.strip(" ;"):  # the pool's pre-ping is an empty statement
            sent.append(Sent(statement, bool(conn.connection.dbapi_connection.autocommit)))

    event.listen(engine, "before_cursor_execute", before)
    return sent, before


def _submit(
    container: WebContainer, stage: str, answers: dict[str, str], session: str
) -> Submitted:
    return container.intake.submit(
        SubmitCase("report", stage, answers),  # type: ignore[arg-type]
        session_digest=session,
        phone="+258841234567",
        lang="pt",
        now=utcnow(),
    )


def test_a_new_case_is_one_statement_in_autocommit_with_its_outbox_row(
    container: WebContainer,
) -> None:
    sent, listener = _statements(container.engine)
    try:
        submitted = _submit(container, "final", PLAIN, secrets.token_hex(16))
    finally:
        event.remove(container.engine, "before_cursor_execute", listener)
    assert [s.autocommit for s in sent] == [True]
    assert "outbox" in sent[0].statement
    with container.sessions() as db:
        job = db.scalars(select(OutboxJob).where(OutboxJob.case_id == submitted.case_id)).one()
        assert job.job == "assign_case"
        assert db.get(Case, submitted.case_id) is not None


def test_the_connection_goes_back_to_the_pool_transactional(container: WebContainer) -> None:
    # Every connection the pool holds has served a one-statement submit by now.
    for _ in range(3):
        _submit(container, "final", PLAIN, secrets.token_hex(16))
    with container.engine.connect() as conn:
        assert conn.connection.dbapi_connection.autocommit is False  # type: ignore[union-attr]
    with pytest.raises(RuntimeError), container.sessions.begin() as db:
        db.execute(insert(OutboxJob).values(job="probe", created_at=utcnow(), attempts=0))
        raise RuntimeError("roll back")
    with container.sessions() as db:
        assert db.scalar(select(func.count()).where(OutboxJob.job == "probe")) == 0


def test_an_urgent_case_completed_runs_in_a_transaction(container: WebContainer) -> None:
    session = secrets.token_hex(16)
    urgent = _submit(container, "urgent", URGENT, session)
    sent, listener = _statements(container.engine)
    try:
        final = _submit(container, "final", FINAL, session)
    finally:
        event.remove(container.engine, "before_cursor_execute", listener)
    assert final.case_id == urgent.case_id
    assert len(sent) >= 2 and not any(s.autocommit for s in sent)
    assert any("FOR UPDATE" in s.statement for s in sent)


def test_a_code_collision_writes_neither_row_and_the_retry_both(container: WebContainer) -> None:
    intake = container.intake
    draws = iter(["00000001", "00000001", "00000002"])
    intake._random_digits = lambda: next(draws)  # type: ignore[method-assign]  # fixed draws
    first = _submit(container, "final", PLAIN, secrets.token_hex(16))
    second = _submit(container, "final", PLAIN, secrets.token_hex(16))
    assert first.code != second.code
    with container.sessions() as db:
        cases = db.scalar(select(func.count()).select_from(Case))
        jobs = db.execute(text("SELECT count(*), count(DISTINCT case_id) FROM outbox")).one()
    assert cases == 2
    assert tuple(jobs) == (2, 2)
