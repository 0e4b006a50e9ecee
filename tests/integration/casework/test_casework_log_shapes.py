"""A full journey may write only log lines of known shapes, and no canary value in any record.

USSD reports on PostgreSQL and Redis with production settings, reporter and officer SMS, delivery
reports and a failing aggregator; every record from every logger is captured before and after the
redaction filter (our packages at DEBUG, third-party libraries at WARNING).
"""

from __future__ import annotations

import copy
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from service.logs.redaction import LOG_FORMAT, RedactingFilter
from tests.integration.casework.conftest import World, new_number
from tests.support.canary import leaks, pin_leaks, variants_of_number
from tests.support.journeys import file_report
from tests.support.live_server import serve
from tests.support.log_shapes import unknown_lines
from tests.support.phone import Phone

THIRD_PARTY = ("rq", "sqlalchemy", "urllib3", "werkzeug", "alembic", "redis")


@dataclass
class _Captured:
    """Each record as logged (message, args, exception text) and as the service would print it."""

    raw: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


class _Recorder(logging.Handler):
    """First root handler: sees each record before any filter rewrites it, then renders it."""

    def __init__(self, captured: _Captured) -> None:
        super().__init__(logging.DEBUG)
        self.captured = captured
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self._redaction = RedactingFilter()

    def handle(self, record: logging.LogRecord) -> bool:
        exc_text = record.exc_text or (
            logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        )
        self.captured.raw.extend([str(record.msg), repr(record.args), exc_text])
        try:
            self.captured.raw.append(record.getMessage())
        except (TypeError, ValueError) as error:  # a broken call is a finding too
            self.captured.raw.append(f"unformattable: {error}")
        rendered = copy.copy(record)
        self._redaction.filter(rendered)
        self.captured.lines.append(self.format(rendered))
        return True

    def emit(self, record: logging.LogRecord) -> None:  # handle() does the work
        pass


@pytest.fixture
def captured(world: World) -> Iterator[_Captured]:
    # After the world is built: the app factory sets the root level to INFO.
    found = _Captured()
    recorder = _Recorder(found)
    root = logging.getLogger()
    old_level = root.level
    old_levels = {name: logging.getLogger(name).level for name in THIRD_PARTY}
    root.handlers.insert(0, recorder)
    root.setLevel(logging.DEBUG)
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield found
    finally:
        root.removeHandler(recorder)
        root.setLevel(old_level)
        for name, level in old_levels.items():
            logging.getLogger(name).setLevel(level)


def test_a_full_journey_writes_only_known_log_shapes_and_no_canary(
    world: World, captured: _Captured
) -> None:
    marker = "CANARY" + secrets.token_hex(5)
    officer_name = "Zuleica" + "".join(secrets.choice("bcdfghjklm") for _ in range(8))
    reporter, caller, stranger = new_number(), new_number(), new_number()
    _, officer = world.officer(officer_name, role="health_liaison")
    _, coordinator = world.officer("Coordenadora", role="coordinator")
    world.aggregator.fail_next(1, http_status=500)  # the first alert is retried

    with serve(world.app) as url:
        code = file_report(
            Phone(url, reporter, world.settings.webhook_token),
            description=f"{marker} descricao",
            pin="9753",
        )
        call_code = file_report(
            Phone(url, caller, world.settings.webhook_token), contact="call", pin="8642"
        )
    world.drain()
    for command in (
        f"OK {code}",
        "CASOS",
        f"ENC {code} 1",
        f"NOTA {code} {marker} nota",
        f"TEL {call_code}",
        "AJUDA",
        f"XPTO {marker}",  # not a command: help comes back
        f"FIM {code} 1",
    ):
        world.text(officer, command)
    world.drain()
    world.text(reporter, f"ESTADO {code} 9753")
    world.text(reporter, f"ESTADO {code} 0000")
    world.text(reporter, f"{marker} texto livre")
    world.text(stranger, f"{marker} mensagem livre")
    world.aggregator.reject_next(1, status_code=403)  # a final failure, recorded
    world.aggregator.delay_next(1, seconds=2.0)  # longer than the read timeout: retried
    world.drain()
    world.text(reporter, "STOP")
    world.drain()

    sent = [row for row in world.outbound() if row.provider_message_id]
    assert len(sent) >= 2
    delivered, failed = (row.provider_message_id or "" for row in sent[:2])
    assert world.delivery_report(delivered, "Success") == 200
    assert world.delivery_report(failed, "Failed", "DeliveryFailure") == 200
    assert world.delivery_report("ATXid_unknown", "Success") == 200
    assert world.delivery_report(delivered, "Teleported") == 400  # malformed: a logged refusal
    world.drain()

    # The journey really ran.
    assert any(code in text for text in world.inbox(officer))
    assert any(caller in text for text in world.inbox(officer))
    assert f"Codigo {code}: concluido." in world.inbox(reporter)
    # Each failure of the aggregator, and the refused report, wrote its line.
    for outcome in (": http_error", ": status_403", ": read_timeout", "report: status"):
        assert any(line.endswith(outcome) for line in captured.lines), outcome

    unknown = unknown_lines(captured.lines)
    assert unknown == [], "log lines of no known shape:\n" + "\n".join(unknown)

    needles = [
        *variants_of_number(reporter),
        *variants_of_number(caller),
        *variants_of_number(stranger),
        *variants_of_number(officer),
        *variants_of_number(coordinator),
        code,
        call_code,
        marker,
        officer_name,
    ]
    texts = [text.encode() for text in captured.raw + captured.lines]
    assert leaks(texts, needles) == []
    assert pin_leaks(texts, ["9753", "8642"], max_length=None) == []
