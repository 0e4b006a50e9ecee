"""Assigning from the desk: only to an officer the routing rules allow; the worker tells both."""

from __future__ import annotations

import pytest

from service.desk.casefile import BadTransition, InvalidInput, NotAllowed
from tests.integration.casefile.conftest import SOFALA, Desk, officer_actor


def test_a_reassigned_case_alerts_the_new_holder_and_tells_the_previous_one(desk: Desk) -> None:
    first, first_phone = desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    second, second_phone = desk.world.officer("Bia", role="psychosocial")

    version = desk.files.assign(SOFALA, filed.code, version=desk.version(filed), officer_id=second)
    assert desk.world.holder(filed.case_id) == second
    desk.world.drain()  # the real worker path: outbox row, relay, rq, the fake aggregator

    [alert] = desk.world.inbox(second_phone)
    assert filed.code in alert and "psicossocial" in alert
    assert desk.world.inbox(first_phone)[-1] == (
        f"Caso {filed.code} passou para outro responsavel. Nada a fazer."
    )
    [old, new] = desk.world.assignments(filed.case_id)
    assert (old.officer_id, old.end_reason, new.officer_id, new.reason) == (
        first, "desk", second, "desk",
    )  # fmt: skip
    assert desk.audit_actions(filed.case_id)[-2:] == ["unassigned", "assigned"]
    assert version == desk.version(filed)


def test_an_unheld_case_can_be_given_to_a_coordinator_from_the_desk(desk: Desk) -> None:
    filed = desk.filed_and_assigned()  # nobody registered: nobody holds it
    coordinator, phone = desk.world.officer("Coord", role="coordinator", province="gaza")

    desk.files.assign(SOFALA, filed.code, version=desk.version(filed), officer_id=coordinator)
    desk.world.drain()

    assert desk.world.holder(filed.case_id) == coordinator
    assert filed.code in desk.world.inbox(phone)[0]


def test_a_police_officer_is_refused_when_police_are_the_perpetrators(desk: Desk) -> None:
    desk.world.officer("Coord", role="coordinator")
    filed = desk.filed_and_assigned(who="police_on_duty", help="police", police_ok="no")
    police, _ = desk.world.officer("Gabi", role="police_liaison")

    with pytest.raises(NotAllowed, match="conflict of interest"):
        desk.files.assign(SOFALA, filed.code, version=desk.version(filed), officer_id=police)
    assert desk.world.holder(filed.case_id) != police


@pytest.mark.parametrize(
    ("role", "province", "on_duty"),
    [
        ("paralegal", "sofala", True),
        ("psychosocial", "gaza", True),
        ("psychosocial", "sofala", False),
    ],
)
def test_an_officer_whose_role_province_or_duty_does_not_fit_is_refused(
    desk: Desk, role: str, province: str, on_duty: bool
) -> None:
    holder, _ = desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned(help="psychosocial")
    misfit, _ = desk.world.officer("Outra", role=role, province=province)
    desk.world.registry.set_duty(misfit, on_duty)

    with pytest.raises(NotAllowed, match="cannot hold"):
        desk.files.assign(SOFALA, filed.code, version=desk.version(filed), officer_id=misfit)
    assert desk.world.holder(filed.case_id) == holder


def test_only_coordinators_assign_and_never_a_closed_case_or_to_the_same_holder(
    desk: Desk,
) -> None:
    holder, _ = desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    other, _ = desk.world.officer("Bia", role="psychosocial")

    with pytest.raises(NotAllowed):
        desk.files.assign(
            officer_actor(holder), filed.code, version=desk.version(filed), officer_id=other
        )
    with pytest.raises(InvalidInput):
        desk.files.assign(SOFALA, filed.code, version=desk.version(filed), officer_id=holder)
    with pytest.raises(InvalidInput):
        desk.files.assign(SOFALA, filed.code, version=desk.version(filed), officer_id=9999)
    desk.files.change_status(
        SOFALA, filed.code, version=desk.version(filed), status="closed",
        closure_reason="duplicate",
    )  # fmt: skip
    with pytest.raises(BadTransition):
        desk.files.assign(SOFALA, filed.code, version=desk.version(filed), officer_id=other)
    assert desk.world.holder(filed.case_id) == holder


def test_the_assign_form_offers_only_officers_who_may_hold_the_case(desk: Desk) -> None:
    police, _ = desk.world.officer("Gabi", role="police_liaison")
    counsellor, _ = desk.world.officer("Ana", role="psychosocial")
    desk.world.officer("Bia", role="paralegal")  # role does not fit
    desk.world.officer("Cia", role="psychosocial", province="gaza")  # province does not fit
    coordinator, _ = desk.world.officer("Coord", role="coordinator")
    filed = desk.filed_and_assigned(who="police_on_duty", help="psychosocial", police_ok="no")

    choices = desk.files.eligible_officers(SOFALA, filed.code)

    assert [(c.officer_id, c.holds_it) for c in choices] == [
        (counsellor, True), (coordinator, False),
    ]  # fmt: skip
    assert police not in [c.officer_id for c in choices]
    with pytest.raises(NotAllowed):
        desk.files.eligible_officers(officer_actor(counsellor), filed.code)
