"""The rules that read the one status table, on a real database: early, open, referral stage."""

from __future__ import annotations

from sqlalchemy import update

from service.storage.models import Case
from tests.integration.casework.conftest import World


def _set_status(world: World, case_id: int, status: str) -> None:
    with world.container.sessions.begin() as db:
        db.execute(update(Case).where(Case.id == case_id).values(status=status))


def test_a_reopened_case_is_early_its_holders_ok_acknowledges_it_and_the_reporter_hears(
    world: World,
) -> None:
    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    _set_status(world, filed.case_id, "reopened")
    world.text(officer, f"OK {filed.code}")
    world.drain()
    assert world.case(filed.case_id).status == "acknowledged"
    assert world.inbox(filed.phone) == [f"Codigo {filed.code}: em tratamento."]


def test_a_case_in_contact_is_not_early_an_ok_keeps_its_stage(world: World) -> None:
    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    _set_status(world, filed.case_id, "in_contact")
    world.text(officer, f"OK {filed.code}")
    world.drain()
    assert world.case(filed.case_id).status == "in_contact"
    assert world.inbox(filed.phone) == []


def test_a_follow_up_case_stays_at_the_referral_stage_when_another_referral_is_made(
    world: World,
) -> None:
    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    world.text(officer, f"OK {filed.code}")
    _set_status(world, filed.case_id, "follow_up")
    world.text(officer, f"ENC {filed.code} 1")
    world.drain()
    assert world.case(filed.case_id).status == "follow_up"
