"""What reporters can text: STOP, STATUS code PIN, HELP; anything else is kept sealed for review."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select, update

from crypto import ReportOpener
from flows.case_code import make_code
from service.casework.inbound_commands import FREE_TEXTS_PER_DAY
from service.casework.reporter_commands import MAX_FREE_TEXT
from service.queueing.job_queue import QUEUE_NAME
from service.storage.casework_models import OutboundSms, StructuringItem
from service.storage.models import Case
from tests.integration.casework.conftest import World, new_number
from tests.support.apps import admin_keys
from tests.support.journeys import MAIN
from tests.support.phone import system_text

TEXT_LIMIT_PT = (
    "Mensagem recebida, mas nem tudo foi guardado: texto demais. Envie menos ou tente amanha."
)


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


def _updates(world: World) -> list[tuple[int | None, str]]:
    return [(r.case_id, r.status) for r in world.outbound() if r.purpose == "reporter_update"]


def test_stop_opts_out_every_case_of_the_number_and_cancels_the_update_not_yet_sent(
    world: World,
) -> None:
    world.officer("Ana", role="psychosocial")
    reporter = new_number()
    first = world.file(phone=reporter)
    second = world.file(phone=reporter)
    world.drain()
    officer = _officer_number(world)
    world.text(officer, f"OK {first.code}")
    world.drain(queue_names=[QUEUE_NAME])  # the update is written; its send still waits
    assert _updates(world) == [(first.case_id, "pending")]

    world.text(reporter, "parar")
    assert _updates(world) == [(first.case_id, "cancelled")]  # by the STOP itself
    world.text(officer, f"OK {second.code}")
    world.drain()

    assert world.case(first.case_id).sms_opt_out and world.case(second.case_id).sms_opt_out
    assert world.inbox(reporter) == []  # not even a confirmation
    # The second OK came after the STOP: no update was even written for it.
    assert _updates(world) == [(first.case_id, "cancelled")]


def test_an_update_written_while_stop_arrived_is_dropped_at_send_time(world: World) -> None:
    world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    world.text(_officer_number(world), f"OK {filed.code}")
    world.drain(queue_names=[QUEUE_NAME])
    # The update job read the case just before the STOP committed, so the STOP found no row to
    # cancel: all that is left is the opt-out on the case when the send comes.
    with world.container.sessions.begin() as db:
        db.execute(update(Case).where(Case.id == filed.case_id).values(sms_opt_out=True))
    assert _updates(world) == [(filed.case_id, "pending")]
    world.drain()
    assert _updates(world) == [(filed.case_id, "cancelled")]
    assert world.inbox(filed.phone) == []


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


def _ussd_check(world: World, number: str, code: str, pin: str) -> str:
    """Check a case on USSD, hop by hop as the aggregator sends it; return the last screen."""
    session, text, body = "ATUid_" + secrets.token_hex(8), "", ""
    for answer in ("", MAIN["check"], code, pin):
        text = answer if not text else f"{text}*{answer}"
        response = world.client.post(
            "/ussd",
            query_string={"token": world.settings.webhook_token},
            data={
                "sessionId": session,
                "serviceCode": "*123#",
                "phoneNumber": number,
                "text": text,
            },
        )
        body = response.get_data(as_text=True)
    assert body.startswith("END "), body
    return body[4:]


def test_one_budget_of_guesses_per_number_is_shared_by_ussd_and_sms_for_a_day(
    world: World,
) -> None:
    _, code = _held(world, pin="4321")
    guesser = new_number()
    misses = world.settings.limits.status_misses_before_lock
    # Well-formed codes of no case, each a code of its own: only the number's budget adds up.
    made_up = [make_code(f"{n:08d}") for n in range(misses)]
    ussd_misses = misses // 2 + 1
    for wrong in made_up[:ussd_misses]:
        assert _ussd_check(world, guesser, wrong, "4321") == system_text("status.unknown")
    for wrong in made_up[ussd_misses:]:
        world.text(guesser, f"ESTADO {wrong} 4321")

    # The budget is spent across both channels: the right code and PIN are refused on each.
    assert _ussd_check(world, guesser, code, "4321") == system_text("status.unknown")
    world.text(guesser, f"ESTADO {code} 4321")
    world.drain()
    refusal = "Nao foi possivel ver esse caso. Verifique codigo e PIN."
    assert world.inbox(guesser) == [refusal] * (misses - ussd_misses + 1)
    # The code itself is not locked: another number still gets the answer.
    assert _ussd_check(world, new_number(), code, "4321") == system_text("status.handled")
    # Counted for 24 hours from the first guess.
    day = world.settings.limits.status_lock_seconds
    assert day == 86400
    ttls = [world.connection.ttl(key) for key in world.connection.scan_iter(match="hs:miss:*")]
    assert ttls and all(day - 600 < ttl <= day for ttl in ttls), ttls


def _kept_texts(world: World) -> list[str]:
    opener = ReportOpener(admin_keys(world.settings).report_private())
    with world.container.sessions() as db:
        items = db.scalars(select(StructuringItem).order_by(StructuringItem.id)).all()
    return [opener.open_report(i.content_sealed, "inbox:" + i.ref).decode() for i in items]


@pytest.mark.parametrize(
    "odd",
    ["\x00", "\x1b[2J", "\x7f", "\ue000", "\U000f0000", "\U0010fffd", "\u0378", "\U000e0001"],
)
def test_free_text_with_control_private_use_or_unassigned_characters_is_kept_sealed(
    world: World, odd: str
) -> None:
    sender = new_number()
    text = f"fui agredida {odd} ontem"
    world.text(sender, text)  # 200, not a 4xx the aggregator would retry for 12 hours
    world.drain()
    assert _kept_texts(world) == [text]
    assert world.inbox(sender) == ["Mensagem recebida. Obrigado."]


def test_a_message_longer_than_the_cap_is_kept_cut_and_the_sender_is_told_by_sms(
    world: World,
) -> None:
    sender = new_number()
    world.text(sender, "a" * MAX_FREE_TEXT + "b" * 400)
    world.drain()
    assert _kept_texts(world) == ["a" * MAX_FREE_TEXT]
    assert world.inbox(sender) == [TEXT_LIMIT_PT]


def test_free_text_past_the_days_budget_is_not_kept_and_the_sender_is_told_once(
    world: World,
) -> None:
    sender, other = new_number(), new_number()
    for index in range(FREE_TEXTS_PER_DAY + 3):
        world.text(sender, f"mensagem {index}")
    world.text(other, "outra pessoa")
    world.drain()
    kept = _kept_texts(world)
    assert kept == [f"mensagem {i}" for i in range(FREE_TEXTS_PER_DAY)] + ["outra pessoa"]
    # The hourly reply budget (10) is spent on thanks; the limit is told once all the same.
    assert world.inbox(sender) == ["Mensagem recebida. Obrigado."] * 10 + [TEXT_LIMIT_PT]
    assert world.inbox(other) == ["Mensagem recebida. Obrigado."]


def test_free_text_and_its_dedupe_row_keep_the_time_to_the_hour_only(world: World) -> None:
    from service.storage.casework_models import InboundSmsSeen

    world.text(new_number(), "uma mensagem")
    with world.container.sessions() as db:
        times = [item.received_at for item in db.scalars(select(StructuringItem))]
        times += [seen.received_at for seen in db.scalars(select(InboundSmsSeen))]
    assert len(times) == 2
    assert all((t.minute, t.second, t.microsecond) == (0, 0, 0) for t in times)


def test_status_by_sms_from_the_reporters_own_number_passes_a_lock_strangers_caused(
    world: World,
) -> None:
    world.officer("Ana", role="psychosocial")
    filed = world.file(pin="4321")
    world.drain()
    misses = world.settings.limits.status_misses_before_lock
    for _ in range(misses):
        world.text(new_number(), f"STATUS {filed.code} 0000")
    stranger = new_number()
    world.text(stranger, f"STATUS {filed.code} 4321")
    world.text(filed.phone, f"STATUS {filed.code} 4321")
    world.drain()
    assert world.inbox(stranger) == ["Could not find that case. Check the code and PIN."]
    [answer] = world.inbox(filed.phone)
    assert answer.startswith(f"Code {filed.code}: ") and "Could not" not in answer
