"""Police perpetrator, no consent: police officers see nothing of the case, from their own side."""

from __future__ import annotations

import secrets
from datetime import timedelta

from freezegun import freeze_time

from flows.case_code import make_code
from service.casework.escalation import check_ack_deadline
from tests.integration.casework.conftest import World

POLICE_CASE = {"who": "police_on_duty", "help": "police", "police_ok": "no"}


def _other_code(code: str) -> str:
    while True:
        candidate = make_code(f"{secrets.randbelow(10**8):08d}")
        if candidate != code:
            return candidate


def _replies(world: World, number: str, commands: list[str]) -> list[str]:
    replies = []
    for command in commands:
        before = len(world.inbox(number))
        world.text(number, command)
        world.drain()
        received = world.inbox(number)
        replies.append(received[-1] if len(received) > before else "<nothing>")
    return replies


def _commands(code: str) -> list[str]:
    return [
        f"OK {code}",
        f"FIM {code}",
        f"FIM {code} 1",
        f"ENC {code}",
        f"ENC {code} 1",
        f"RES {code} 1 1",
        f"NOTA {code} texto",
        f"TEL {code}",
        f"CLOSE {code} 2",
    ]


def test_the_excluded_police_officer_gets_no_alert_and_the_coordinator_holds_the_case(
    world: World,
) -> None:
    police, police_phone = world.officer("Agente", role="police_liaison")
    coordinator, _ = world.officer("Coord", role="coordinator")
    filed = world.file(contact="call", **POLICE_CASE)
    world.drain()
    assert world.holder(filed.case_id) == coordinator
    assert world.inbox(police_phone) == []
    assert police not in {a.officer_id for a in world.assignments(filed.case_id)}


def test_every_command_on_the_case_answers_as_for_a_code_that_does_not_exist(
    world: World,
) -> None:
    _, police_phone = world.officer("Agente", role="police_liaison")
    world.officer("Coord", role="coordinator")
    filed = world.file(contact="call", **POLICE_CASE)
    world.drain()
    status_before = world.case(filed.case_id).status

    real = _replies(world, police_phone, _commands(filed.code))
    made_up = _replies(world, police_phone, _commands(_other_code(filed.code)))

    assert real == made_up
    assert set(real) == {"Caso nao encontrado. Verifique o codigo."}
    assert world.case(filed.case_id).status == status_before
    assert filed.phone not in " ".join(world.inbox(police_phone))


def test_the_case_is_not_in_the_excluded_officers_list_not_even_as_a_count(
    world: World,
) -> None:
    _, police_phone = world.officer("Agente", role="police_liaison")
    world.officer("Coord", role="coordinator")
    hidden = world.file(**POLICE_CASE)
    world.drain()
    assert _replies(world, police_phone, ["CASOS"]) == ["Sem casos abertos."]

    # With consent, a police complaint case is theirs; the listing shows that one only.
    consented = world.file(**{**POLICE_CASE, "police_ok": "yes"})
    world.drain()
    [listing] = _replies(world, police_phone, ["CASOS"])
    assert listing == f"Casos abertos: {consented.code}"
    assert hidden.code not in listing


def test_escalation_never_reaches_the_excluded_officer(world: World) -> None:
    _, police_phone = world.officer("Agente", role="police_liaison")
    coordinator, _ = world.officer("Coord", role="coordinator")
    other_coordinator, _ = world.officer("Coord Dois", role="coordinator")
    filed = world.file(what="rape", when="today", danger="yes", **POLICE_CASE)
    world.drain()
    for _ in range(4):
        [current] = [a for a in world.assignments(filed.case_id) if a.ended_at is None]
        with freeze_time(current.ack_deadline + timedelta(seconds=1)):
            check_ack_deadline(world.ctx, current.id)
    world.drain()
    holders = {a.officer_id for a in world.assignments(filed.case_id)}
    assert holders == {coordinator, other_coordinator}
    assert world.inbox(police_phone) == []


def test_an_officer_moved_into_a_police_role_loses_such_cases_at_once(world: World) -> None:
    """A psychosocial counsellor holding a police-perpetrator case is made police liaison."""
    counsellor, counsellor_phone = world.officer("Conselheira", role="psychosocial")
    coordinator, _ = world.officer("Coord", role="coordinator")
    filed = world.file(**{**POLICE_CASE, "help": "psychosocial"})
    world.drain()
    assert world.holder(filed.case_id) == counsellor

    outbox_ids = world.registry.edit(counsellor, role="police_liaison")
    # Even before the reassignment runs, the case is no longer theirs to see.
    assert _replies(world, counsellor_phone, ["CASOS"]) == ["Sem casos abertos."]
    world.container.dispatcher.enqueue(outbox_ids)
    world.drain()
    assert outbox_ids and world.holder(filed.case_id) == coordinator
    assert _replies(world, counsellor_phone, [f"OK {filed.code}"]) == [
        "Caso nao encontrado. Verifique o codigo."
    ]


def test_editing_only_a_name_moves_no_case(world: World) -> None:
    counsellor, _ = world.officer("Conselheira", role="psychosocial")
    world.officer("Coord", role="coordinator")
    filed = world.file(help="psychosocial")
    world.drain()
    assert world.registry.edit(counsellor, name="Conselheira Ana") == []
    assert world.holder(filed.case_id) == counsellor
