"""A USSD session belongs to one number: a session id reused by another number is another
session, and a session first seen several answers deep counts as the dial it skipped."""

from __future__ import annotations

from tests.support.backends import RunningService
from tests.support.journeys import code_on, open_menu, report_answers

TOO_MANY = "Muitas tentativas"


def test_another_number_reusing_a_session_id_gets_its_own_session_and_not_the_first_case(
    service: RunningService,
) -> None:
    first = service.phone("+258841119101")
    open_menu(first, "pt")
    for answer in report_answers(danger=False):
        first.send(answer)
    first_code = code_on(first.send("1"))

    # Another number sends the same session id and the very same path, in one hop.
    other = service.phone("+258841119102")
    other.session_id, other.text = first.session_id, first.text
    screen = other.repeat()

    assert first_code not in screen
    cases = service.cases()
    assert len(cases) == 2  # its own case, never attached to the first one
    assert len({case.session_digest for case in cases}) == 2


def test_a_session_first_seen_several_answers_deep_counts_as_a_dial(
    service: RunningService,
) -> None:
    limit = service.settings.limits.sessions_per_hour
    phone = service.phone("+258841119103")
    screens = []
    for index in range(limit + 1):
        # No first hop: straight to an answer path, on a session id never seen before.
        phone.session_id, phone.text = f"ATUid_skip_{index}", "1*1"
        screens.append(phone.repeat())
    assert all(TOO_MANY not in screen for screen in screens[:limit])
    assert TOO_MANY in screens[limit]
    # Dials and skipped dials share one count: the next plain dial is refused too.
    assert TOO_MANY in phone.dial()
    assert TOO_MANY not in service.phone("+258841119104").dial()


def test_a_session_continued_normally_is_counted_once(service: RunningService) -> None:
    limit = service.settings.limits.sessions_per_hour
    phone = service.phone("+258841119105")
    for _ in range(limit):
        phone.dial()
        phone.send("1")
        phone.send("1")  # deeper hops of a known session are not dials
    assert TOO_MANY in phone.dial()
