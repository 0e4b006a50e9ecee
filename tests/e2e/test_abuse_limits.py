"""Floods from one number get a polite screen; hops of one session never run twice at once."""

from __future__ import annotations

import threading

from service.storage.kv import StoreUnavailable
from tests.support.backends import RunningService
from tests.support.journeys import file_report, open_menu, report_answers

TOO_MANY = "Muitas tentativas"


def test_too_many_sessions_from_one_number_in_an_hour_get_a_polite_screen(
    service: RunningService,
) -> None:
    limit = service.settings.limits.sessions_per_hour
    phone = service.phone("+258841119001")
    screens = [phone.dial() for _ in range(limit + 1)]
    assert all(TOO_MANY not in screen for screen in screens[:limit])
    assert TOO_MANY in screens[limit] and phone.ended
    # Another number is not slowed or refused.
    assert TOO_MANY not in service.phone("+258841119002").dial()


def test_too_many_reports_from_one_number_in_an_hour_get_a_polite_screen(
    service: RunningService,
) -> None:
    limit = service.settings.limits.reports_per_hour
    phone = service.phone("+258841119003")
    for _ in range(limit):
        file_report(phone, danger=False)
    open_menu(phone, "pt")
    for answer in report_answers(danger=False):
        phone.send(answer)
    assert TOO_MANY in phone.send("1")
    assert len(service.cases()) == limit


def test_an_urgent_report_at_the_limit_is_still_completed_and_shows_its_code(
    service: RunningService,
) -> None:
    limit = service.settings.limits.reports_per_hour
    phone = service.phone("+258841119006")
    for _ in range(limit - 1):
        file_report(phone, danger=False)
    # The urgent commit is the limit-th case; sending the rest must not be refused for it.
    code = file_report(phone, danger=True)
    assert TOO_MANY not in phone.screen
    assert len(service.cases()) == limit
    assert code in phone.screen


def test_concurrent_copies_of_the_final_hop_commit_one_case_and_show_one_code(
    service: RunningService,
) -> None:
    phone = service.phone("+258841119004")
    open_menu(phone, "pt")
    for answer in report_answers(danger=False):
        phone.send(answer)
    phone.text = f"{phone.text}*1"
    fields = {
        "sessionId": phone.session_id,
        "serviceCode": "*123#",
        "phoneNumber": phone.number,
        "networkCode": "63902",
        "text": phone.text,
    }
    replies: list[str] = []
    threads = [
        threading.Thread(target=lambda: replies.append(phone.post(fields).text)) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(replies)) == 1 and replies[0].startswith("END Recebido")
    assert len(service.cases()) == 1


def test_a_store_failure_mid_session_falls_back_to_replaying_the_path(
    service: RunningService,
) -> None:
    phone = service.phone("+258841119005")
    open_menu(phone, "pt")
    answers = report_answers(danger=False)
    for answer in answers[:5]:
        phone.send(answer)
    store = service.container.ussd._store  # the one store the USSD shell uses

    def unavailable(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("test")

    original = store.begin_hop
    store.begin_hop = unavailable  # type: ignore[method-assign, assignment]
    try:
        for answer in answers[5:]:
            phone.send(answer)
        final = phone.send("1")
    finally:
        store.begin_hop = original  # type: ignore[method-assign]
    assert final.startswith("Recebido")
    assert len(service.cases()) == 1
