"""New cases go to the on-duty officer whose role fits, fewest open cases first."""

from __future__ import annotations

from sqlalchemy import select

from service.storage.casework_models import OutboundSms
from tests.integration.casework.conftest import World


def _alerts(world: World) -> list[tuple[str, str]]:
    return [world.opened(row) for row in world.outbound() if row.purpose == "officer_alert"]


def test_a_new_case_goes_to_the_fitting_officer_who_gets_an_alert_with_the_code_only(
    world: World,
) -> None:
    counsellor, counsellor_phone = world.officer("Ana", role="psychosocial")
    world.officer("Bia", role="paralegal")
    world.officer("Coordenadora", role="coordinator")

    filed = world.file(help="psychosocial", description="ele bateu-me muito")
    world.drain()

    assert world.holder(filed.case_id) == counsellor
    assert world.case(filed.case_id).status == "assigned"
    [alert] = world.inbox(counsellor_phone)
    assert filed.code in alert
    assert "psicossocial" in alert
    assert "bateu" not in alert and filed.phone[4:] not in alert
    assert len(alert) <= 160 and alert.isascii()


def test_help_codes_map_to_roles(world: World) -> None:
    roles = {
        "health_liaison": world.officer("Saude", role="health_liaison")[0],
        "paralegal": world.officer("Juri", role="paralegal")[0],
        "police_liaison": world.officer("Gabi", role="police_liaison")[0],
        "psychosocial": world.officer("Psi", role="psychosocial")[0],
    }
    cases = {
        "health_liaison": world.file(help="health"),
        "paralegal": world.file(help="legal"),
        "police_liaison": world.file(help="police", police_ok="yes"),
        "psychosocial": world.file(help="safety"),
    }
    pep = world.file(kind="help", help="pep", province="sofala", contact="none")
    callback = world.file(kind="help", help="callback", province="sofala", contact="call")
    world.drain()

    for role, filed in cases.items():
        assert world.holder(filed.case_id) == roles[role], role
    assert world.holder(pep.case_id) == roles["health_liaison"]
    assert world.holder(callback.case_id) == roles["psychosocial"]


def test_the_officer_with_fewest_open_cases_gets_the_next_one(world: World) -> None:
    first, _ = world.officer("Um", role="psychosocial")
    second, _ = world.officer("Dois", role="psychosocial")
    holders = []
    for _ in range(4):
        filed = world.file()
        world.drain()
        holders.append(world.holder(filed.case_id))
    assert sorted(holders) == sorted([first, second, first, second])


def test_off_duty_and_other_province_officers_are_skipped_and_the_coordinator_gets_it(
    world: World,
) -> None:
    resting, _ = world.officer("Resting", role="psychosocial")
    world.registry.set_duty(resting, False)
    world.officer("Elsewhere", role="psychosocial", province="niassa")
    coordinator, coordinator_phone = world.officer("Coord", role="coordinator")

    filed = world.file()
    world.drain()

    assert world.holder(filed.case_id) == coordinator
    assert filed.code in world.inbox(coordinator_phone)[0]


def test_an_urgent_alert_says_urgent_and_gives_fifteen_minutes(world: World) -> None:
    _, phone = world.officer("Saude", role="health_liaison")
    world.file(what="rape", when="today", danger="yes", help="health")
    world.drain()
    [alert] = world.inbox(phone)
    assert alert.startswith("URGENTE")
    assert "15 min" in alert
    assert "saude" in alert


URGENT_ONLY = {"help": None, "contact": None, "when": None, "who": None, "police_ok": None}


def test_an_urgent_case_is_alerted_once_contact_and_province_are_in_naming_both(
    world: World,
) -> None:
    coordinator, _ = world.officer("Coord", role="coordinator", province="gaza")
    counsellor, counsellor_phone = world.officer("Conselho", role="psychosocial")
    session = "s" * 32
    urgent = world.file(
        stage="urgent", session=session, what="rape", danger="yes", province=None, pin=None,
        **URGENT_ONLY,
    )  # fmt: skip
    world.drain()
    assert world.holder(urgent.case_id) is None  # the alert waits for the next two answers
    assert world.outbound() == []

    located = world.file(
        stage="alert", session=session, what="rape", danger="yes", pin=None,
        **{**URGENT_ONLY, "province": "sofala", "contact": "call"},
    )  # fmt: skip
    world.drain()
    assert located.case_id == urgent.case_id
    assert world.holder(urgent.case_id) == counsellor != coordinator
    [alert] = world.inbox(counsellor_phone)
    assert alert.startswith(f"URGENTE: caso {urgent.code}, Sofala.")
    assert "Contacto: ligar (TEL)." in alert


def test_an_urgent_case_cut_off_before_its_province_is_alerted_by_the_sweep_after_a_minute(
    world: World,
) -> None:
    from datetime import timedelta

    from freezegun import freeze_time

    from service.casework.maintenance import assign_orphans

    coordinator, coordinator_phone = world.officer("Coord", role="coordinator", province="gaza")
    world.officer("Saude", role="health_liaison", province="sofala")
    urgent = world.file(
        stage="urgent", what="rape", danger="yes", province=None, pin=None, **URGENT_ONLY
    )
    world.drain()
    created = world.case(urgent.case_id).created_at
    with freeze_time(created + timedelta(seconds=50)):
        assert assign_orphans(world.ctx) == 0  # still waiting for the reporter's answers
    with freeze_time(created + timedelta(seconds=61)):
        assert assign_orphans(world.ctx) == 1
    world.drain()
    assert world.holder(urgent.case_id) == coordinator
    [alert] = world.inbox(coordinator_phone)
    assert "sem provincia" in alert and "Contacto: a definir." in alert


def test_an_urgent_case_held_by_a_coordinator_moves_to_the_right_officer_on_its_final_answers(
    world: World,
) -> None:
    coordinator, _ = world.officer("Coord", role="coordinator", province="gaza")
    health, health_phone = world.officer("Saude", role="health_liaison", province="sofala")
    session = "s" * 32
    urgent = world.file(
        stage="alert", session=session, what="rape", danger="yes", pin=None,
        **{**URGENT_ONLY, "province": "unknown", "contact": "sms"},
    )  # fmt: skip
    world.drain()
    assert world.holder(urgent.case_id) == coordinator

    final = world.file(session=session, what="rape", danger="yes", when="today", help="health")
    world.drain()
    assert final.case_id == urgent.case_id
    assert world.holder(urgent.case_id) == health
    assert urgent.code in world.inbox(health_phone)[0]
    reasons = [a.reason for a in world.assignments(urgent.case_id)]
    assert reasons == ["new", "rerouted"]


def test_assigning_twice_writes_one_assignment_and_one_alert(world: World) -> None:
    world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    # The same outbox row again (a duplicate job), and a sweep that finds nothing left.
    world.container.dispatcher.enqueue(filed.outbox_ids)
    world.ctx.outbox.sweep()
    world.drain()
    assert len(world.assignments(filed.case_id)) == 1
    with world.container.sessions() as db:
        alerts = db.scalars(select(OutboundSms).where(OutboundSms.purpose == "officer_alert"))
        assert len(list(alerts)) == 1


def test_with_nobody_registered_the_case_waits_and_is_assigned_once_someone_is(
    world: World,
) -> None:
    from datetime import timedelta

    from freezegun import freeze_time

    from service.casework.maintenance import assign_orphans

    filed = world.file()
    world.drain()
    assert world.holder(filed.case_id) is None
    officer, _ = world.officer("Late", role="psychosocial")
    with freeze_time(world.case(filed.case_id).created_at + timedelta(minutes=3)):
        assert assign_orphans(world.ctx) == 1
    assert world.holder(filed.case_id) == officer
