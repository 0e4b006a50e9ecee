"""An "in danger" commit that failed is tried again on every later hop, and by a resumed session;
the final submit never makes a second case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backends import RunningService, running_service
from tests.support.journeys import code_on, finish_answers, open_menu, report_answers
from tests.support.phone import Phone
from tests.support.services import PrivatePostgres, free_port, private_folder

NUMBER = "+258841237001"
# Typing the PIN after a few words sends the report: the last answer is the send.
*ANSWERS, LAST = [*report_answers(danger=True), *finish_answers("urgente", "2468")]
DANGER = 2  # the index of the "in danger?" answer: yes commits the urgent case at once
RESUME_CONTINUE = "1"


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(free_port(), private_folder("handsoff-urgent-pg-")).start()
    try:
        yield server
    finally:
        server.stop("immediate")


@pytest.fixture
def service(
    tmp_path: Path, private_postgres: PrivatePostgres, redis_url: str, webhook_token: str
) -> Iterator[RunningService]:
    with running_service(
        "production", tmp_path, private_postgres.url, redis_url, webhook_token
    ) as running:
        yield running


def answer_danger_with_the_database_down(phone: Phone, postgres: PrivatePostgres) -> None:
    open_menu(phone, "pt")
    for answer in ANSWERS[:DANGER]:
        phone.send(answer)
    postgres.stop("fast")
    try:
        phone.send(ANSWERS[DANGER])  # the urgent commit fails; the reporter goes on
    finally:
        postgres.start()
    assert not phone.ended


def test_the_next_hop_commits_the_urgent_case_and_the_final_submit_completes_that_one_case(
    service: RunningService, private_postgres: PrivatePostgres
) -> None:
    phone = service.phone(NUMBER)
    answer_danger_with_the_database_down(phone, private_postgres)
    assert service.cases() == []

    phone.send(ANSWERS[DANGER + 1])
    [urgent] = service.cases()
    assert (urgent.stage, urgent.urgent) == ("urgent", True)
    # The urgent commit alerts nobody yet: the alert waits for the contact and the province.
    assert [job.job for job in service.outbox()] == []

    for answer in ANSWERS[DANGER + 2 :]:
        phone.send(answer)
    code = code_on(phone.send(LAST))
    [case] = service.cases()
    assert (case.id, case.stage) == (urgent.id, "final")
    assert service.open_content(case)["code"] == code
    assert [job.job for job in service.outbox()] == ["case_located", "case_completed"]


def test_a_session_resumed_after_the_failed_urgent_commit_commits_it_and_sends_one_case(
    service: RunningService, private_postgres: PrivatePostgres
) -> None:
    phone = service.phone(NUMBER)
    answer_danger_with_the_database_down(phone, private_postgres)

    phone.dial()  # the network cut the session; the reporter dials again
    [urgent] = service.cases()  # the resumed session's first hop tried again
    assert (urgent.stage, urgent.urgent) == ("urgent", True)

    phone.send(RESUME_CONTINUE)
    for answer in ANSWERS[DANGER + 1 :]:
        phone.send(answer)
    code = code_on(phone.send(LAST))
    [case] = service.cases()
    assert (case.id, case.stage) == (urgent.id, "final")
    assert service.open_content(case)["code"] == code


def test_a_report_resumed_after_its_urgent_commit_completes_that_case_not_a_second_one(
    production_service: RunningService,
) -> None:
    phone = production_service.phone(NUMBER)
    open_menu(phone, "pt")
    for answer in ANSWERS[: DANGER + 2]:
        phone.send(answer)
    [urgent] = production_service.cases()

    phone.dial()
    phone.send(RESUME_CONTINUE)
    for answer in ANSWERS[DANGER + 2 :]:
        phone.send(answer)
    code_on(phone.send(LAST))
    [case] = production_service.cases()
    assert (case.id, case.stage) == (urgent.id, "final")
