"""Run the whole case workflow with marker numbers, codes and texts; find them nowhere in clear."""

from __future__ import annotations

import logging
import secrets

import pytest

from tests.integration.casework.conftest import World, new_number
from tests.support.canary import (
    database_values,
    leaks,
    pin_leaks,
    redis_values,
    variants_of_number,
)
from tests.support.journeys import file_report
from tests.support.live_server import serve
from tests.support.phone import Phone


def test_no_number_code_pin_or_message_text_is_stored_queued_or_logged_in_clear(
    world: World, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "CANARY" + secrets.token_hex(5)
    reporter, caller = new_number(), new_number()
    _, officer = world.officer("Saude", role="health_liaison")
    _, coordinator = world.officer("Coord", role="coordinator")
    world.aggregator.fail_next(1, http_status=500)  # a retry, with its log lines

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
        f"ENC {code} 1",
        f"NOTA {code} {marker} nota",
        f"TEL {call_code}",
        f"FIM {code} 1",
    ):
        world.text(officer, command)
    world.text(reporter, f"ESTADO {code} 9753")
    world.text(reporter, f"ESTADO {code} 0000")
    world.text(new_number(), f"{marker} mensagem livre")
    world.aggregator.reject_next(1, status_code=403)  # a final failure, recorded
    world.text(reporter, "AJUDA")
    world.text(reporter, "PARAR")
    world.drain()

    # The workflow really ran: the officer got alerts and the number they asked for.
    assert any(code in text for text in world.inbox(officer))
    assert any(caller in text for text in world.inbox(officer))
    assert f"Codigo {code}: concluido." in world.inbox(reporter)

    needles = [
        *variants_of_number(reporter),
        *variants_of_number(caller),
        *variants_of_number(officer),
        *variants_of_number(coordinator),
        code,
        call_code,
        marker,
    ]
    stored = database_values(world.container.engine)
    queued = redis_values(world.connection)
    assert any(b"rq:job:" in key for key in queued), "the job payloads were not scanned"
    out, err = capfd.readouterr()
    logs = [caplog.text.encode(), out.encode(), err.encode()]
    assert leaks(stored, needles) == []
    assert leaks(queued, needles) == []
    assert leaks(logs, needles) == []
    # PINs are too short to look for in binary data: no short text value may hold one.
    assert pin_leaks(stored + queued, ["9753", "8642"]) == []
    assert pin_leaks([caplog.text.encode()], ["9753", "8642"], max_length=None) == []
