"""The rules that read the one status table, on a real database: early, open, referral stage."""

from __future__ import annotations

from sqlalchemy import update

from service.storage.models import Case
from tests.integration.casework.conftest import Filed, World


def _held_case_at(world: World, status: str, *, acknowledged: bool = False) -> tuple[Filed, str]:
    """A case held by a fresh officer, put at `status` as the desk may; and the officer's number."""
    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    if acknowledged:
        world.text(officer, f"OK {filed.code}")
    with world.container.sessions.begin() as db:
        db.execute(update(Case).where(Case.id == filed.case_id).values(status=status))
    return filed, officer


def test_a_reopened_case_is_early_its_holders_ok_acknowledges_it_and_the_reporter_hears(
    world: World,
) -> None:
    filed, officer = _held_case_at(world, "reopened")
    world.text(officer, f"OK {filed.code}")
    world.drain()
    assert world.case(filed.case_id).status == "acknowledged"
    assert world.inbox(filed.phone) == [f"Codigo {filed.code}: em tratamento."]


def test_a_case_in_contact_is_not_early_an_ok_keeps_its_stage(world: World) -> None:
    filed, officer = _held_case_at(world, "in_contact")
    world.text(officer, f"OK {filed.code}")
    world.drain()
    assert world.case(filed.case_id).status == "in_contact"
    assert world.inbox(filed.phone) == []


def test_a_follow_up_case_stays_at_the_referral_stage_when_another_referral_is_made(
    world: World,
) -> None:
    filed, officer = _held_case_at(world, "follow_up", acknowledged=True)
    world.text(officer, f"ENC {filed.code} 1")
    world.drain()
    assert world.case(filed.case_id).status == "follow_up"
