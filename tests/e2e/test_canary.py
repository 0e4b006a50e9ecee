"""File reports whose number, description and code are unique markers; find them nowhere."""

from __future__ import annotations

import logging
import secrets

import pytest
import redis

from service.storage.kv import MemoryStore
from tests.support.backends import RunningService
from tests.support.canary import (
    database_values,
    leaks,
    pin_leaks,
    redis_values,
    sqlite_file_bytes,
    variants_of_number,
)
from tests.support.journeys import ask_for_help, check_case, file_report


def test_no_number_description_pin_or_code_is_stored_or_logged_in_clear(
    service: RunningService, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    number = f"+25884{secrets.randbelow(10**7):07d}"
    marker = "CANARY" + secrets.token_hex(6)
    code = file_report(service.phone(number), description=f"{marker} no bar", pin="9753")
    help_code = ask_for_help(service.phone(number), "callback", pin="8642")
    check_case(service.phone(number), code, "9753")
    check_case(service.phone(number), code, "0000")  # a miss is counted, by digest
    phone = service.phone(number)  # a session left in flight, to be resumed
    phone.dial()
    phone.send("1")

    needles = [*variants_of_number(number), marker, code, help_code]
    haystacks = database_values(service.container.engine)
    if service.settings.embedded:
        haystacks += sqlite_file_bytes(service.settings.home)
        store = service.container.store
        assert isinstance(store, MemoryStore)
        keys = store.live_keys()
        haystacks += [key.encode() for key in keys] + [store.get(key) or b"" for key in keys]
    else:
        # The worker's relay puts the new cases' jobs in Redis: their payloads are scanned too.
        assert service.container.dispatcher.relay_waiting() >= 2
        client = redis.Redis.from_url(service.settings.redis_url or "")
        stored = redis_values(client)
        client.close()
        assert any(b"rq:job:" in key for key in stored), "the job payloads were not scanned"
        haystacks += stored
    out, err = capfd.readouterr()
    logs = [caplog.text.encode(), out.encode(), err.encode()]
    assert len(haystacks) > 10
    assert leaks(haystacks, needles) == []
    assert leaks(logs, needles) == []
    # The PIN is too short to scan for in binary data; it must not appear in any text column.
    assert pin_leaks(haystacks, ["9753", "8642"]) == []
    # The desk can still read what the reporter wrote: sealed, not lost.
    case = service.cases()[0]
    assert marker in str(service.open_content(case))
