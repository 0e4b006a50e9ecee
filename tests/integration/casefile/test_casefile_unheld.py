"""A case nobody on duty holds is never silent: the badge counts it, coordinators get one SMS."""

from __future__ import annotations

from service.casework.maintenance import run_maintenance
from tests.integration.casefile.conftest import GAZA, NATIONAL, SOFALA, Desk, officer_actor


def test_the_badge_counts_unheld_cases_in_the_coordinators_provinces_only(desk: Desk) -> None:
    nobody = desk.filed_and_assigned()  # nobody registered yet
    elsewhere = desk.filed_and_assigned(province="gaza")
    counsellor, _ = desk.world.officer("Ana", role="psychosocial")
    held = desk.filed_and_assigned()
    assert desk.world.holder(held.case_id) == counsellor
    assert desk.world.holder(nobody.case_id) is None
    assert desk.world.holder(elsewhere.case_id) is None

    assert desk.files.unassigned_count(SOFALA) == 1
    assert desk.files.unassigned_count(GAZA) == 1
    assert desk.files.unassigned_count(NATIONAL) == 2
    assert desk.files.unassigned_count(officer_actor(counsellor)) == 0

    desk.world.registry.set_duty(counsellor, False)  # never acknowledged, now off duty
    assert desk.files.unassigned_count(SOFALA) == 2


def test_maintenance_texts_the_provinces_on_duty_coordinator_once_per_case(desk: Desk) -> None:
    counsellor, counsellor_phone = desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    desk.world.registry.set_duty(counsellor, False)
    coordinator, coordinator_phone = desk.world.officer("Coord", role="coordinator")
    _, other_phone = desk.world.officer("Gaza", role="coordinator", province="gaza")
    desk.age(filed.case_id, minutes=5)

    run_maintenance(desk.world.ctx, reschedule=False)
    desk.world.drain()
    run_maintenance(desk.world.ctx, reschedule=False)  # a second run sends nothing more
    desk.world.drain()

    assert desk.world.inbox(coordinator_phone) == [
        f"Caso {filed.code} sem responsavel de servico. Atribua no painel."
    ]
    assert desk.world.inbox(other_phone) == []
    assert len(desk.world.inbox(counsellor_phone)) == 1  # only its first alert
    assert desk.audit_actions(filed.case_id).count("unheld_alert") == 1
    assert coordinator != counsellor


def test_with_no_coordinator_on_duty_in_the_province_every_one_on_duty_is_told(
    desk: Desk,
) -> None:
    provincial, provincial_phone = desk.world.officer("Sofala", role="coordinator")
    desk.world.registry.set_duty(provincial, False)
    filed = desk.filed_and_assigned()  # held by the off-duty coordinator: nobody on duty
    assert desk.world.holder(filed.case_id) == provincial
    _, gaza_phone = desk.world.officer("Gaza", role="coordinator", province="gaza")
    _, niassa_phone = desk.world.officer("Niassa", role="coordinator", province="niassa")
    desk.age(filed.case_id, minutes=5)

    run_maintenance(desk.world.ctx, reschedule=False)
    desk.world.drain()

    for phone in (gaza_phone, niassa_phone):
        assert desk.world.inbox(phone) == [
            f"Caso {filed.code} sem responsavel de servico. Atribua no painel."
        ]
    assert len(desk.world.inbox(provincial_phone)) == 1  # its own alert, nothing more


def test_a_case_taken_up_is_not_announced(desk: Desk) -> None:
    _, phone = desk.world.officer("Ana", role="psychosocial")
    _, coordinator_phone = desk.world.officer("Coord", role="coordinator")
    filed = desk.filed_and_assigned()
    desk.age(filed.case_id, minutes=5)

    run_maintenance(desk.world.ctx, reschedule=False)
    desk.world.drain()

    assert desk.world.inbox(coordinator_phone) == []
    assert filed.code in desk.world.inbox(phone)[0]
