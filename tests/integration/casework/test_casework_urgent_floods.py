"""Urgent floods: one SIM's repeats join its first case, escalation ends, alerts are capped."""

from __future__ import annotations

import secrets
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from service.casework.alert_budget import ALERTS_PER_HOUR
from service.casework.coordinator_queries import escalation_stopped_count
from service.casework.escalation import check_ack_deadline, escalate_overdue
from service.storage.models import Case
from tests.integration.casework.conftest import World, new_number
from tests.support.journeys import report_answers

RESTART = "2"  # "Comecar de novo" on the resume offer
STOPPED = "Caso {code} sem confirmacao apos 2 rondas. Alertas parados: veja o caso."


def _case_count(world: World) -> int:
    with world.container.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def _say_in_danger(world: World, phone: str) -> int:
    """Dial and answer a report until its urgent case is committed and located (contact and
    province given: the alert, or the join to the first case, is written then); returns its id."""
    session = "ATUid_" + secrets.token_hex(8)
    before = _case_count(world)
    text = ""
    # Report, what happened, "in danger: yes" (the commit), contact, province (the alert).
    answers = ["", *report_answers(danger=True)[:5]]
    while answers:
        answer = answers.pop(0)
        text = answer if text == "" else f"{text}*{answer}"
        response = world.client.post(
            "/ussd",
            query_string={"token": world.settings.webhook_token},
            data={
                "sessionId": session,
                "serviceCode": "*123#",
                "phoneNumber": phone,
                "networkCode": "63902",
                "text": text,
            },
        )
        assert response.status_code == 200
        if text == "" and "de novo" in response.text:
            answers.insert(0, RESTART)  # the unfinished session is offered: start again
    assert _case_count(world) == before + 1, "the journey never committed an urgent case"
    with world.container.sessions() as db:
        newest = db.scalar(select(func.max(Case.id)))
        assert newest is not None
        case = db.get(Case, newest)
        assert case is not None and case.urgent and case.stage == "urgent"
        return newest


def _alerts_for(world: World, officer_id: int) -> int:
    return sum(
        1
        for row in world.outbound()
        if row.purpose == "officer_alert" and row.officer_id == officer_id
    )


def test_repeated_urgent_cases_from_one_caller_join_the_first_and_its_holder_hears_once(
    world: World,
) -> None:
    # The province is not known yet when "in danger" commits: a coordinator holds the case.
    _, officer_phone = world.officer("Coord", role="coordinator")
    flooder = new_number()

    first = _say_in_danger(world, flooder)
    world.drain()
    repeats = [_say_in_danger(world, flooder) for _ in range(3)]
    world.drain()

    # Every report is kept, each linked to the first; nobody is alerted for the repeats.
    for case_id in repeats:
        assert world.case(case_id).repeat_of_case_id == first
        assert world.assignments(case_id) == []
    received = world.inbox(officer_phone)
    assert len(received) == 2 and received[0].startswith("URGENTE: caso")
    code = received[0].split()[2].rstrip(".,")
    assert received[1] == f"Caso {code}: a mesma pessoa voltou a pedir ajuda urgente."
    # Maintenance does not treat the joined cases as orphans to alert about.
    with freeze_time(world.case(first).created_at + timedelta(minutes=5)):
        from service.casework.maintenance import assign_orphans

        assert assign_orphans(world.ctx) == 0


def test_a_second_emergency_from_another_number_is_alerted_at_once(world: World) -> None:
    officer, officer_phone = world.officer("Coord", role="coordinator")
    first = _say_in_danger(world, new_number())
    world.drain()
    second = _say_in_danger(world, new_number())
    world.drain()
    assert world.case(second).repeat_of_case_id is None
    assert world.holder(first) == world.holder(second) == officer
    assert [text.startswith("URGENTE") for text in world.inbox(officer_phone)] == [True, True]


def test_a_repeat_after_the_first_case_closed_is_a_case_of_its_own(world: World) -> None:
    officer, officer_phone = world.officer("Coord", role="coordinator")
    flooder = new_number()
    _say_in_danger(world, flooder)
    world.drain()
    code = world.inbox(officer_phone)[0].split()[2].rstrip(".,")
    world.text(officer_phone, f"FIM {code} 6")
    world.drain()
    again = _say_in_danger(world, flooder)
    world.drain()
    assert world.holder(again) == officer
    assert world.inbox(officer_phone)[-1].startswith("URGENTE: caso")


def test_escalation_stops_after_the_second_round_and_tells_every_coordinator_once(
    world: World,
) -> None:
    first, _ = world.officer("Ana", role="psychosocial")
    second, _ = world.officer("Bia", role="psychosocial")
    coordinator, coordinator_phone = world.officer("Coord", role="coordinator")
    national, national_phone = world.officer(
        "Nacional", role="coordinator", province="maputo_cidade"
    )
    filed = world.file(what="rape", when="today", danger="yes")
    world.drain()

    for _ in range(8):
        [current] = [a for a in world.assignments(filed.case_id) if a.ended_at is None]
        with freeze_time(current.ack_deadline + timedelta(seconds=1)):
            check_ack_deadline(world.ctx, current.id)
            escalate_overdue(world.ctx)
    world.drain()

    holders = [a.officer_id for a in world.assignments(filed.case_id)]
    assert holders == [first, second, coordinator] * 2
    assert world.case(filed.case_id).escalation_stopped_at is not None
    assert escalation_stopped_count(world.container.sessions) == 1
    stopped = STOPPED.format(code=filed.code)
    assert world.inbox(coordinator_phone).count(stopped) == 1
    assert world.inbox(national_phone).count(stopped) == 1
    assert national not in holders


def test_nobody_gets_more_than_the_hours_alerts_however_many_cases_open(world: World) -> None:
    officer, _ = world.officer("Ana", role="psychosocial")
    coordinator, _ = world.officer("Coord", role="coordinator")
    filed = [world.file() for _ in range(ALERTS_PER_HOUR + 2)]
    world.drain()
    assert _alerts_for(world, officer) == ALERTS_PER_HOUR
    assert {world.holder(f.case_id) for f in filed[ALERTS_PER_HOUR:]} == {coordinator}
