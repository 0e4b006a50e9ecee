"""What reporters can text: STOP, STATUS code PIN, HELP; anything else is kept sealed for review."""

from __future__ import annotations

from sqlalchemy import select

from crypto import ReportOpener
from service.storage.casework_models import OutboundSms, StructuringItem
from tests.integration.casework.conftest import World, new_number
from tests.support.apps import admin_keys


def _held(world: World, **answers: str) -> tuple[int, str]:
    world.officer("Ana", role="psychosocial", phone=answers.pop("officer_phone", None))
    filed = world.file(**answers)
    world.drain()
    return filed.case_id, filed.code


def _officer_number(world: World) -> str:
    from service.casework.assignment import officer_phone
    from service.storage.casework_models import Officer

    with world.container.sessions() as db:
        officer = db.scalars(select(Officer)).first()
        assert officer is not None
        return officer_phone(world.ctx, officer)


def test_stop_opts_out_every_case_of_the_number_at_once(world: World) -> None:
    world.officer("Ana", role="psychosocial")
    reporter = new_number()
    first = world.file(phone=reporter)
    second = world.file(phone=reporter)
    world.drain()
    officer = _officer_number(world)
    world.text(officer, f"OK {first.code}")  # queued, not yet sent
    world.text(reporter, "parar")
    world.text(officer, f"OK {second.code}")
    world.drain()

    assert world.case(first.case_id).sms_opt_out and world.case(second.case_id).sms_opt_out
    assert world.inbox(reporter) == []  # not even a confirmation
    updates = [row for row in world.outbound() if row.purpose == "reporter_update"]
    assert {row.status for row in updates} <= {"cancelled"}


def test_stop_in_english_works_too_and_other_numbers_are_untouched(world: World) -> None:
    world.officer("Ana", role="psychosocial")
    mine, other = world.file(), world.file()
    world.drain()
    world.text(mine.phone, "STOP")
    world.text(_officer_number(world), f"OK {other.code}")
    world.drain()
    assert world.case(mine.case_id).sms_opt_out
    assert not world.case(other.case_id).sms_opt_out
    assert world.inbox(other.phone) == [f"Codigo {other.code}: em tratamento."]


def test_status_gives_the_neutral_word_and_every_wrong_guess_the_same_answer(
    world: World,
) -> None:
    case_id, code = _held(world, pin="4321")
    asker = new_number()
    world.text(asker, f"ESTADO {code} 4321")
    world.drain()
    # Assigned is "being handled" to the reporter (service/intake/status_check.py).
    assert world.inbox(asker) == [f"Codigo {code}: em tratamento."]
    other_last_digit = str((int(code[-1]) + 1) % 10)  # always a different, wrong code
    wrong = [
        f"ESTADO {code} 1111",
        f"estado {code[:-1]}{other_last_digit} 4321",
        "ESTADO 123456789 4321",
    ]
    for text in wrong:
        world.text(asker, text)
    world.drain()
    refusals = world.inbox(asker)[1:]
    assert refusals == ["Nao foi possivel ver esse caso. Verifique codigo e PIN."] * 3
    assert world.case(case_id).status == "assigned"


def test_status_locks_after_repeated_misses_even_for_the_right_pin(world: World) -> None:
    _, code = _held(world, pin="4321")
    asker = new_number()
    misses = world.settings.limits.status_misses_before_lock
    for _ in range(misses):
        world.text(asker, f"STATUS {code} 0000")
    world.text(asker, f"STATUS {code} 4321")
    world.drain()
    assert world.inbox(asker)[-1] == "Could not find that case. Check the code and PIN."


def test_status_without_a_pin_gets_the_usage_and_help_gets_the_commands(world: World) -> None:
    asker = new_number()
    world.text(asker, "ESTADO")
    world.text(asker, "ajuda")
    world.text(asker, "HELP")
    world.drain()
    usage, ajuda, help_text = world.inbox(asker)
    assert "ESTADO codigo PIN" in usage
    assert "PARAR" in ajuda
    assert "STOP" in help_text


def test_free_text_is_sealed_for_the_desk_and_acknowledged_neutrally(world: World) -> None:
    sender = new_number()
    world.text(sender, "preciso de ajuda, fui agredida ontem no bairro")
    world.drain()
    assert world.inbox(sender) == ["Mensagem recebida. Obrigado."]
    with world.container.sessions() as db:
        [item] = db.scalars(select(StructuringItem)).all()
    assert b"agredida" not in item.content_sealed
    opener = ReportOpener(admin_keys(world.settings).report_private())
    opened = opener.open_report(item.content_sealed, "inbox:" + item.ref).decode()
    assert opened == "preciso de ajuda, fui agredida ontem no bairro"


def test_replies_to_one_number_are_capped_per_hour(world: World) -> None:
    sender = new_number()
    for index in range(15):
        world.text(sender, f"mensagem {index}")
    world.drain()
    assert len(world.inbox(sender)) == 10
    with world.container.sessions() as db:
        assert len(db.scalars(select(StructuringItem)).all()) == 15
        replies = db.scalars(select(OutboundSms).where(OutboundSms.purpose == "reporter_reply"))
        assert len(list(replies)) == 10
