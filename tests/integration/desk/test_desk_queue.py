"""The queue: scope per role, filters, sorting, paging, the badge, what changed since."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from freezegun import freeze_time

from tests.support.desk import DeskWorld


def _codes(page: bytes) -> list[str]:
    return re.findall(r'class="code">(\d{9})<', page.decode())


def test_a_provincial_coordinator_sees_only_their_provinces_and_a_national_one_all(
    desk: DeskWorld,
) -> None:
    _, sofala = desk.file(province="sofala")
    _, gaza = desk.file(province="gaza")
    provincial = desk.signed_in(desk.staff("ana", role="coordinator", provinces=("sofala",)))
    national = desk.signed_in(desk.staff("nat", role="coordinator"))
    assert _codes(provincial.get("/desk/cases").data) == [sofala]
    assert sorted(_codes(national.get("/desk/cases").data)) == sorted([sofala, gaza])


def test_an_officer_sees_only_the_cases_they_hold(desk: DeskWorld) -> None:
    mine_id, mine = desk.file()
    other_id, _ = desk.file()
    me = desk.officer("Rita", role="psychosocial")
    colleague = desk.officer("Joao", role="psychosocial")
    desk.assign(mine_id, me)
    desk.assign(other_id, colleague)
    client = desk.signed_in(desk.staff("rita", role="officer", officer_id=me))
    assert _codes(client.get("/desk/cases").data) == [mine]


def test_a_row_shows_the_envelope_and_the_reporters_code_but_never_the_number(
    desk: DeskWorld,
) -> None:
    case_id, code = desk.file(what="rape", when="today", province="sofala")
    desk.assign(case_id, desk.officer("Rita", role="health_liaison"), minutes=15)
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    page = client.get("/desk/cases").data.decode()
    assert _codes(page.encode()) == [code]
    for shown in ("Sofala", "rape", "urgent", "PEP window", "Rita", "on time", "new"):
        assert shown in page
    assert "+258" not in page and "2468" not in page


def test_the_deadline_state_moves_from_on_time_to_due_soon_to_overdue(desk: DeskWorld) -> None:
    case_id, _ = desk.file()
    desk.assign(case_id, desk.officer("Rita", role="psychosocial"), minutes=60)
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    row = re.compile(r'<span class="deadline (\w+)">')
    assert row.findall(client.get("/desk/cases").data.decode()) == ["on_time"]
    desk.clock.advance(minutes=25)
    assert row.findall(client.get("/desk/cases").data.decode()) == ["on_time"]
    desk.clock.advance(minutes=25)
    assert row.findall(client.get("/desk/cases").data.decode()) == ["due_soon"]
    desk.clock.advance(minutes=15)
    page = client.get("/desk/cases").data.decode()
    assert row.findall(page) == ["overdue"]
    assert "1 overdue" in page


def test_the_badge_counts_overdue_urgent_and_unassigned_on_every_page(desk: DeskWorld) -> None:
    late_id, _ = desk.file()
    desk.assign(late_id, desk.officer("Rita", role="psychosocial"), minutes=1)
    desk.file(what="rape", when="today")
    desk.file()
    desk.clock.advance(minutes=5)
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    for path in ("/desk/cases", "/desk/account", "/desk/cases?urgent=1"):
        page = client.get(path).data.decode()
        assert "1 overdue" in page and "1 urgent" in page and "2 unassigned" in page, path


def test_filters_narrow_the_queue(desk: DeskWorld) -> None:
    urgent_id, urgent = desk.file(what="rape", when="today", province="gaza")
    _, police = desk.file(who="police_on_duty", police_ok="yes")
    held_id, held = desk.file(province="gaza")
    desk.assign(held_id, desk.officer("Rita", role="psychosocial", province="gaza"), minutes=1)
    desk.clock.advance(minutes=2)
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    assert sorted(_codes(client.get("/desk/cases?province=gaza").data)) == sorted([urgent, held])
    assert _codes(client.get("/desk/cases?urgent=1").data) == [urgent]
    assert _codes(client.get("/desk/cases?overdue=1").data) == [held]
    assert sorted(_codes(client.get("/desk/cases?unassigned=1").data)) == sorted([urgent, police])
    assert _codes(client.get("/desk/cases?perpetrator=police_security_forces").data) == [police]
    assert _codes(client.get("/desk/cases?subtype=rape").data) == [urgent]
    assert _codes(client.get("/desk/cases?status=closed").data) == []
    assert urgent_id


def test_sorting_orders_by_age(desk: DeskWorld) -> None:
    _, first = desk.file()
    desk.clock.advance(minutes=5)
    _, second = desk.file()
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    assert _codes(client.get("/desk/cases?sort=oldest").data) == [first, second]
    assert _codes(client.get("/desk/cases?sort=newest").data) == [second, first]


def test_the_queue_pages_by_25(desk: DeskWorld) -> None:
    for _ in range(27):
        desk.file()
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    first = client.get("/desk/cases").data
    second = client.get("/desk/cases?page=2").data
    assert len(_codes(first)) == 25 and len(_codes(second)) == 2
    assert set(_codes(first)).isdisjoint(_codes(second))
    assert b"Page 2 of 2" in second


def test_bad_filter_values_get_a_clear_answer_not_a_500(desk: DeskWorld) -> None:
    client = desk.signed_in(desk.staff("ana", role="coordinator", provinces=("sofala",)))
    for query in (
        "page=abc",
        "page=0",
        "page=99999999999999999999",
        "status=lost",
        "province=atlantis",
        "urgent=yes",
        "sort=;drop",
        "subtype=" + "x" * 5000,
    ):
        reply = client.get("/desk/cases?" + query)
        assert reply.status_code == 400, query
        assert b"Nothing was changed" in reply.data
    other = client.get("/desk/cases?province=gaza")
    assert other.status_code == 403
    assert b"outside the provinces you cover" in other.data


def test_each_row_and_the_case_page_show_what_changed_since_the_last_look(
    desk: DeskWorld,
) -> None:
    case_id, code = desk.file()
    desk.assign(case_id, desk.officer("Rita", role="psychosocial"))
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    changed = re.compile(r'<span class="changed">(\w+)</span></td>')
    assert changed.findall(client.get("/desk/cases").data.decode()) == ["new"]
    assert b"You have not opened this case before." in client.get(f"/desk/cases/{code}").data
    assert changed.findall(client.get("/desk/cases").data.decode()) == []
    desk.clock.advance(minutes=1)
    version = re.search(rb'name="version" value="([^"]+)"', client.get(f"/desk/cases/{code}").data)
    assert version is not None
    desk.clock.advance(minutes=1)
    other = desk.signed_in(desk.staff("bea", role="coordinator"))
    other.get(f"/desk/cases/{code}")
    other.post(
        f"/desk/cases/{code}/referrals",
        {"service": "health", "version": version.group(1).decode()},
    )
    assert changed.findall(client.get("/desk/cases").data.decode()) == ["changed"]
    assert b"changes since you last looked" in client.get(f"/desk/cases/{code}").data


def test_an_excluded_police_officer_sees_byte_for_byte_what_they_would_without_the_case(
    desk: DeskWorld,
) -> None:
    """Conflict of interest: pages, counts, filters and the case page leave no trace."""
    police = desk.officer("Agente", role="police_liaison")
    ordinary_id, _ = desk.file(help="police", police_ok="yes")
    desk.assign(ordinary_id, police)
    client = desk.signed_in(desk.staff("agente", role="officer", officer_id=police))
    paths = [
        "/desk/cases",
        "/desk/cases?status=all",
        "/desk/cases?perpetrator=police_security_forces",
        "/desk/cases?unassigned=1",
        "/desk/cases?overdue=1",
        "/desk/account",
        "/desk/stats.csv",
        "/desk/structuring",
    ]

    # Both renders at one frozen moment, so they carry the same CSRF token (it holds the time).
    moment = datetime.now(UTC)

    def render(extra: list[str]) -> list[bytes]:
        with freeze_time(moment):
            return [client.get(path).data for path in [*paths, *extra]]

    made_up = "/desk/cases/000000000"
    before = render([made_up])
    # The case arrives while the police officer still holds it (the move has not run yet),
    # and is overdue: it must not show, nor be counted, anywhere.
    hidden_id, hidden_code = desk.file(who="police_on_duty", police_ok="no", help="police")
    desk.assign(hidden_id, police, minutes=1)
    desk.clock.advance(minutes=5)
    desk.clock.advance(minutes=-5)
    after = render([f"/desk/cases/{hidden_code}"])
    assert after == before
    assert client.get(f"/desk/cases/{hidden_code}").status_code == 404
    assert hidden_code.encode() not in b"".join(after)
