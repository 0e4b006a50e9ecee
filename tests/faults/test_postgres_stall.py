"""A stalled PostgreSQL costs the reporter a "try again" screen in seconds, never a hung thread."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from tests.support.backends import RunningService
from tests.support.journeys import open_menu, report_answers
from tests.support.phone import Phone
from tests.support.stalls import (
    AGGREGATOR_PATIENCE_SECONDS,
    case_inserts_sleep,
    cases_table_locked,
    statements_still_running,
)

# CI sends a few final submits into the stall at once; HANDSOFF_FAULT_REPORTERS=200 is the long
# mode (bench/README.md): more hops than pooled connections, so the pool's timeout is met too.
REPORTERS = int(os.environ.get("HANDSOFF_FAULT_REPORTERS", "3"))
SEND = "1"

STALLS: dict[str, Callable[[str], AbstractContextManager[None]]] = {
    "a session holds an ACCESS EXCLUSIVE lock on cases": cases_table_locked,
    "every insert into cases sleeps a minute": case_inserts_sleep,
}


def at_the_confirm_screen(service: RunningService, index: int) -> Phone:
    phone = service.phone(f"+25884123{index:04d}")
    # The phone waits no longer than the aggregator would: a hung hop fails the test.
    phone.timeout = AGGREGATOR_PATIENCE_SECONDS
    phone.busy_ok = True  # the try-again screen is what this test expects of the stall
    open_menu(phone, "pt")
    for answer in report_answers(danger=False):
        phone.send(answer)
    return phone


def send_all_at_once(phones: list[Phone]) -> list[str | BaseException]:
    screens: list[str | BaseException] = [RuntimeError("no answer")] * len(phones)

    def send(index: int) -> None:
        try:
            screens[index] = phones[index].send(SEND)
        except BaseException as error:  # a timeout is the failure we look for
            screens[index] = error

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(phones))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return screens


@pytest.mark.parametrize("stall", list(STALLS))
def test_a_stalled_database_answers_try_again_before_the_aggregator_gives_up_and_frees_the_thread(
    stall: str, production_service: RunningService, postgres_url: str
) -> None:
    phones = [at_the_confirm_screen(production_service, i) for i in range(REPORTERS)]

    with STALLS[stall](postgres_url):
        screens = send_all_at_once(phones)  # every case commit meets the stall
        # The statements were cancelled by the server, not left waiting behind the stall...
        assert statements_still_running(postgres_url, "INSERT INTO cases") == []

    try_again = production_service.container.try_again_reply().text
    assert screens == [try_again] * REPORTERS
    assert all(phone.ended for phone in phones)
    # ...and every connection went back to the pool: no thread holds one.
    assert production_service.container.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert production_service.cases() == []
