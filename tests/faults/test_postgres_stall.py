"""A stalled PostgreSQL costs the reporter a "try again" screen in seconds, never a hung thread."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from tests.support.backends import RunningService
from tests.support.journeys import open_menu, report_answers
from tests.support.stalls import (
    AGGREGATOR_PATIENCE_SECONDS,
    case_inserts_sleep,
    cases_table_locked,
    statements_still_running,
)

STALLS: dict[str, Callable[[str], AbstractContextManager[None]]] = {
    "a session holds an ACCESS EXCLUSIVE lock on cases": cases_table_locked,
    "every insert into cases sleeps a minute": case_inserts_sleep,
}


@pytest.mark.parametrize("stall", list(STALLS))
def test_a_stalled_database_answers_try_again_before_the_aggregator_gives_up_and_frees_the_thread(
    stall: str, production_service: RunningService, postgres_url: str
) -> None:
    phone = production_service.phone("+258841239001")
    # The phone waits no longer than the aggregator would: a hung hop fails the test.
    phone.timeout = AGGREGATOR_PATIENCE_SECONDS
    open_menu(phone, "pt")
    for answer in report_answers(danger=False):
        phone.send(answer)

    with STALLS[stall](postgres_url):
        screen = phone.send("1")  # send: the case commit meets the stall
        # The statement was cancelled by the server, not left waiting behind the stall...
        assert statements_still_running(postgres_url, "INSERT INTO cases") == []

    assert phone.ended
    assert screen == production_service.container.try_again_reply().text
    # ...and the connection went back to the pool: the thread holds nothing.
    assert production_service.container.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert production_service.cases() == []
