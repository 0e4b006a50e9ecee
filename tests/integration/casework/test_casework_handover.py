"""Hand-overs nobody misses: failed alerts act at once, both officers hear, commands say so."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from crypto import KeyStore
from flows.case_code import make_code
from service.casework.escalation import check_ack_deadline
from service.cli.main import main
from service.storage.casework_models import OutboundSms
from tests.integration.casework.conftest import World

NOT_FOUND = "Caso nao encontrado. Verifique o codigo."
POLICE_CASE = {"who": "police_on_duty", "help": "police", "police_ok": "no"}


def _alert_of(world: World, officer_id: int) -> OutboundSms:
    return next(
        row
        for row in world.outbound()
        if row.purpose == "officer_alert" and row.officer_id == officer_id
    )


def _two_counsellors(world: World) -> tuple[int, str, int, str]:
    first, first_phone = world.officer("Ana", role="psychosocial")
    second, second_phone = world.officer("Bia", role="psychosocial")
    return first, first_phone, second, second_phone


def _env(world: World) -> dict[str, str]:
    return {
        "HANDSOFF_HOME": str(world.ctx.settings.home),  # the worker's host: its keys open codes
        "DATABASE_URL": world.settings.database_url,
        "REDIS_URL": world.settings.redis_url or "",
        "WEBHOOK_TOKEN": world.settings.webhook_token or "",
    }


# -- failed alerts act at once ---------------------------------------------------------------


@pytest.mark.parametrize("status", ["Failed", "Rejected", "AbsentSubscriber", "Expired"])
def test_a_final_delivery_failure_hands_the_case_on_before_the_deadline(
    world: World, status: str
) -> None:
    first, _, second, second_phone = _two_counsellors(world)
    filed = world.file()
    world.drain()
    alert = _alert_of(world, first)
    assert alert.provider_message_id is not None

    assert world.delivery_report(alert.provider_message_id, status, "DeliveryFailure") == 200
    world.drain()

    moved = world.assignments(filed.case_id)
    assert [(a.officer_id, a.reason, a.end_reason) for a in moved] == [
        (first, "new", "undelivered"),
        (second, "undelivered", None),
    ]
    # Long before the 24 h deadline of the first alert.
    assert moved[1].assigned_at < moved[0].ack_deadline - timedelta(hours=23)
    [handed] = world.inbox(second_phone)
    assert handed.startswith(f"Caso {filed.code} passado a si, espera ")


def test_a_send_refused_for_good_hands_the_case_on_too(world: World) -> None:
    world.aggregator.reject_next(1, status_code=403)
    _first, first_phone, second, second_phone = _two_counsellors(world)
    filed = world.file()
    world.drain()
    assert world.holder(filed.case_id) == second
    assert world.inbox(first_phone) == []
    assert filed.code in world.inbox(second_phone)[0]


def test_a_failure_reason_never_seen_is_stored_as_a_final_failure(world: World) -> None:
    first, _, second, _ = _two_counsellors(world)
    filed = world.file()
    world.drain()
    alert = _alert_of(world, first)
    assert alert.provider_message_id is not None

    assert world.delivery_report(alert.provider_message_id, "Failed", "SimCardLost") == 200
    world.drain()

    [row] = [r for r in world.outbound() if r.id == alert.id]
    assert (row.status, row.failure_class, row.failure_code) == (
        "failed",
        "delivery",
        "Unknown:SimCardLost",
    )
    assert world.holder(filed.case_id) == second


def test_a_late_failed_after_success_leaves_the_row_delivered_and_the_case_where_it_is(
    world: World,
) -> None:
    first, _, _, second_phone = _two_counsellors(world)
    filed = world.file()
    world.drain()
    alert = _alert_of(world, first)
    assert alert.provider_message_id is not None

    assert world.delivery_report(alert.provider_message_id, "Success") == 200
    assert world.delivery_report(alert.provider_message_id, "Failed", "DeliveryFailure") == 200
    world.drain()

    [row] = [r for r in world.outbound() if r.id == alert.id]
    assert (row.status, row.delivery_status, row.failure_code) == ("delivered", "Success", None)
    assert world.holder(filed.case_id) == first
    assert world.inbox(second_phone) == []


def test_an_acknowledged_case_stays_with_its_holder_whatever_the_report_says(
    world: World,
) -> None:
    first, first_phone, _, _ = _two_counsellors(world)
    filed = world.file()
    world.drain()
    world.text(first_phone, f"OK {filed.code}")
    world.drain()
    alert = _alert_of(world, first)
    assert alert.provider_message_id is not None
    assert world.delivery_report(alert.provider_message_id, "Failed", "DeliveryFailure") == 200
    world.drain()
    assert [a.officer_id for a in world.assignments(filed.case_id)] == [first]


def test_when_nobody_else_can_hold_it_the_coordinators_hear_at_once(world: World) -> None:
    counsellor, _ = world.officer("Ana", role="psychosocial")
    coordinator, coordinator_phone = world.officer("Coord", role="coordinator")
    filed = world.file()
    world.drain()
    assert (
        world.delivery_report(
            _alert_of(world, counsellor).provider_message_id or "", "Failed", "UserIsInactive"
        )
        == 200
    )
    world.drain()
    # The coordinator was the next to hold it; their alert fails too.
    assert world.holder(filed.case_id) == coordinator
    coordinator_alert = _alert_of(world, coordinator).provider_message_id or ""
    assert world.delivery_report(coordinator_alert, "AbsentSubscriber") == 200
    world.drain()
    # Nobody reachable is left: the holder stays (their deadline still runs) and coordinators
    # are told, once, even when a second report arrives.
    assert world.holder(filed.case_id) == coordinator
    assert world.delivery_report(coordinator_alert, "Failed") == 200
    world.drain()
    notices = [t for t in world.inbox(coordinator_phone) if "nao entregue" in t]
    assert notices == [
        f"Caso {filed.code}: alerta nao entregue e mais ninguem disponivel. Veja o caso."
    ]


def test_messages_failed_shows_the_case_code_and_the_recipients_role(world: World) -> None:
    world.aggregator.reject_next(1, status_code=403)
    first, _, _, _ = _two_counsellors(world)
    filed = world.file()
    world.drain()
    assert _alert_of(world, first).status == "failed"

    result = CliRunner().invoke(main, ["messages", "failed"], env=_env(world))

    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    assert f"case {filed.code}" in line and "to psychosocial" in line
    # Internal ids are gone: the line starts with the date, the case is named by its code.
    assert line.split()[0][:4].isdigit() and "-" in line.split()[0]
    assert f"case {filed.case_id} " not in line.replace(f"case {filed.code}", "")


# -- hand-overs are never silent ----------------------------------------------------------------


def test_an_escalation_tells_the_officer_who_lost_it_and_the_new_holder_how_long_it_waited(
    world: World,
) -> None:
    _first, first_phone, second, second_phone = _two_counsellors(world)
    filed = world.file()
    world.drain()
    [assignment] = world.assignments(filed.case_id)

    with freeze_time(assignment.ack_deadline + timedelta(seconds=1)):
        check_ack_deadline(world.ctx, assignment.id)
    world.drain()

    assert world.holder(filed.case_id) == second
    assert world.inbox(first_phone)[1:] == [f"Caso {filed.code} passou para outro responsavel."]
    [handed] = world.inbox(second_phone)
    assert handed == (
        f"Caso {filed.code} passado a si, espera 24 h, Sofala. Apoio: psicossocial. "
        f"Contacto: so SMS. Confirme em 24 h: OK {filed.code}"
    )


def test_an_urgent_hand_over_says_urgent_and_the_wait_in_minutes(world: World) -> None:
    first, _, second, second_phone = _two_counsellors(world)
    filed = world.file(what="rape", when="today", danger="yes")
    world.drain()
    [assignment] = world.assignments(filed.case_id)
    with freeze_time(assignment.ack_deadline + timedelta(seconds=1)):
        check_ack_deadline(world.ctx, assignment.id)
    world.drain()
    assert world.holder(filed.case_id) == second and first != second
    [handed] = world.inbox(second_phone)
    assert handed.startswith(f"URGENTE {filed.code} passado a si, espera 15 min, Sofala.")


def test_a_command_on_a_case_that_moved_says_it_moved(world: World) -> None:
    _, first_phone, _, _ = _two_counsellors(world)
    filed = world.file()
    world.drain()
    [assignment] = world.assignments(filed.case_id)
    with freeze_time(assignment.ack_deadline + timedelta(seconds=1)):
        check_ack_deadline(world.ctx, assignment.id)
    world.drain()

    world.text(first_phone, f"OK {filed.code}")
    world.drain()
    assert world.inbox(first_phone)[-1] == f"Caso {filed.code} passou para outro responsavel."
    assert world.case(filed.case_id).status == "assigned"


def test_an_officer_the_conflict_rule_excludes_hears_nothing_of_the_move_and_gets_not_found(
    world: World,
) -> None:
    counsellor, counsellor_phone = world.officer("Conselheira", role="psychosocial")
    world.officer("Coord", role="coordinator")
    filed = world.file(**{**POLICE_CASE, "help": "psychosocial"})
    world.drain()
    assert world.holder(filed.case_id) == counsellor
    received = len(world.inbox(counsellor_phone))

    world.container.dispatcher.enqueue(world.registry.edit(counsellor, role="police_liaison"))
    world.drain()
    assert len(world.inbox(counsellor_phone)) == received  # no "it moved" line

    world.text(counsellor_phone, f"OK {filed.code}")
    made_up = make_code("00000001")
    assert made_up != filed.code
    world.text(counsellor_phone, f"OK {made_up}")
    world.drain()
    assert world.inbox(counsellor_phone)[-2:] == [NOT_FOUND, NOT_FOUND]


# -- unknown commands ------------------------------------------------------------------------


def test_an_unknown_officer_command_gets_the_help_text(world: World) -> None:
    _, phone = world.officer("Ana", role="psychosocial")
    world.text(phone, "bom dia")
    world.text(phone, "AJUDA")
    world.drain()
    unknown, asked = world.inbox(phone)
    assert unknown == asked and unknown.startswith("OK cod: confirmar.")


def test_messages_failed_without_the_workers_key_says_which_role_and_command(
    world: World, tmp_path: Path
) -> None:
    web_home = tmp_path / "web-host"
    KeyStore(world.settings.keys_dir).export(web_home / "keys", "web")
    env = {**_env(world), "HANDSOFF_HOME": str(web_home)}

    result = CliRunner().invoke(main, ["messages", "failed"], env=env)

    assert result.exit_code != 0 and result.exception is not None
    assert isinstance(result.exception, SystemExit)  # a clean exit, no traceback
    assert "contact.private.json" in result.output and "the worker holds" in result.output
    assert "`handsoff keys export --role worker DEST`" in result.output
