"""Errors are caught where they mean something: broad handlers only at the edges, no `assert` that
production depends on, every silenced checker says why."""

from __future__ import annotations

import ast
import logging
import re
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.orm import Session

from service.casework.assignment import MissingOfficer, officer_row
from service.casework.followups import schedule_deadline
from service.casework.maintenance import schedule_maintenance
from service.casework.reporter_updates import _sms_contact
from service.queueing.job_queue import RqJobQueue
from service.storage.engine import make_engine, make_sessionmaker, upgrade_schema
from service.storage.models import Case
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
APP = ("service", "flows", "crypto", "workers", "config")
# Where a broad handler belongs: the process's edges, which must answer or keep running whatever
# went wrong below them (docs/design-notes.md, "One source of truth").
EDGES = {
    ("service/web/webhooks.py", "answer_ussd"),
    ("service/web/webhooks.py", "sms_inbound"),
    ("service/web/webhooks.py", "sms_delivery"),
    ("service/queueing/relay.py", "run"),
    ("service/queueing/relay.py", "_relay"),
    ("service/casework/maintenance.py", "run_maintenance"),
    ("service/queueing/job_queue.py", "_loop"),
    ("service/messaging/delivery.py", "_send"),  # the SDK call, for every message a job sends
}
PRAGMA = re.compile(r"#\s*(type:\s*ignore(\[[^\]]*\])?|noqa(:\s*[A-Z0-9, ]+)?)(?P<after>.*)$")


def _app_files(*tops: str) -> list[Path]:
    return sorted(path for top in tops for path in (ROOT / top).rglob("*.py"))


def _broad_handlers(path: Path) -> set[tuple[str, str]]:
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ExceptHandler) and (
                node.type is None
                or (
                    isinstance(node.type, ast.Name)
                    and node.type.id in {"Exception", "BaseException"}
                )
            ):
                found.add((str(path.relative_to(ROOT)), function.name))
    return found


def test_broad_exception_handlers_stand_only_at_the_edges() -> None:
    found = set().union(*(_broad_handlers(path) for path in _app_files(*APP)))
    assert found == EDGES


def test_app_code_has_no_assert_statements_that_python_o_would_drop() -> None:
    asserts = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _app_files(*APP)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert asserts == []


def test_every_type_ignore_and_noqa_in_app_code_and_the_bench_says_why() -> None:
    silent = []
    for path in _app_files(*APP, "bench"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = PRAGMA.search(line)
            if match and not re.search(r"[A-Za-z]{3}", match.group("after")):
                silent.append(f"{path.relative_to(ROOT)}:{number}")
    assert silent == []


def test_the_pragma_check_sees_a_bare_ignore() -> None:
    bare = PRAGMA.search("x = 1  # type: ignore[misc]")
    reasoned = PRAGMA.search("x = 1  # noqa: S310 - our own server")
    assert bare is not None and not re.search(r"[A-Za-z]{3}", bare.group("after"))
    assert reasoned is not None and re.search(r"[A-Za-z]{3}", reasoned.group("after"))


def _dead_queue() -> RqJobQueue:
    return RqJobQueue(redis.Redis(port=free_port(), retry=Retry(NoBackoff(), 0)))


def test_a_deadline_or_maintenance_that_cannot_be_booked_with_redis_down_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ctx = SimpleNamespace(queue=_dead_queue(), clock=lambda: datetime(2026, 1, 1, 12))
    with caplog.at_level(logging.WARNING):
        schedule_deadline(ctx, datetime(2026, 1, 1, 12, 15), 7)  # type: ignore[arg-type]  # a stand-in context
        schedule_maintenance(ctx)  # type: ignore[arg-type]  # a stand-in context
    assert "deadline not scheduled (ConnectionError)" in caplog.text
    assert "next maintenance not scheduled (ConnectionError)" in caplog.text


def test_a_bug_while_booking_a_deadline_is_not_taken_for_redis_being_down() -> None:
    class BrokenQueue:
        def enqueue_at(self, *args: object, **kwargs: object) -> None:
            raise TypeError("a bug")

    with pytest.raises(TypeError, match="a bug"):
        schedule_deadline(SimpleNamespace(queue=BrokenQueue()), datetime(2026, 1, 1), 7)  # type: ignore[arg-type]  # a stand-in context


def test_an_officer_row_that_is_gone_raises_a_named_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade_schema(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as db, pytest.raises(MissingOfficer):
        officer_row(db, 999)
    engine.dispose()


@pytest.mark.parametrize(
    ("contact", "opted_out", "sealed", "expected"),
    [
        ("sms", False, b"sealed", b"sealed"),
        ("sms", True, b"sealed", None),
        ("call", False, b"sealed", None),
        ("sms", False, None, None),
    ],
)
def test_only_a_reporter_who_chose_sms_and_did_not_stop_has_a_number_to_text(
    contact: str, opted_out: bool, sealed: bytes | None, expected: bytes | None
) -> None:
    case = Case(contact=contact, sms_opt_out=opted_out, contact_sealed=sealed)
    assert _sms_contact(case) == expected


def test_sessions_are_typed_without_an_ignore(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with make_sessionmaker(engine)() as db:
        assert isinstance(db, Session)
    engine.dispose()
