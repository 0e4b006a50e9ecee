"""The needs-structuring queue: listed without content, opened audited, made a case or set aside."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.desk.casefile import InvalidInput, ItemNotFound, NotAllowed
from service.storage.casework_models import AuditEntry, StructuringItem
from tests.integration.casefile.conftest import AUDITOR, SOFALA, Desk, officer_actor
from tests.integration.casework.conftest import new_number

ANSWERS = {
    "what": "beating",
    "danger": "no",
    "when": "yesterday",
    "who": "client",
    "province": "sofala",
    "help": "psychosocial",
    "contact": "sms",
    "police_ok": "no",
}


def _free_text(desk: Desk, text: str) -> tuple[int, str]:
    number = new_number()
    desk.world.text(number, text)
    [waiting] = desk.files.waiting_messages(SOFALA)
    return waiting.id, number


def test_a_message_is_listed_without_content_and_opened_only_with_a_reason(desk: Desk) -> None:
    item_id, _ = _free_text(desk, "MENSAGEM-CANARIO preciso de ajuda")

    [waiting] = desk.files.waiting_messages(SOFALA)
    assert "CANARIO" not in repr(waiting)
    with pytest.raises(InvalidInput):
        desk.files.open_message(SOFALA, item_id, reason="")
    opened = desk.files.open_message(SOFALA, item_id, reason="structure_report")

    assert opened.text == "MENSAGEM-CANARIO preciso de ajuda"
    with desk.world.container.sessions() as db:
        entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "message_opened"
    assert entry.detail == f"inbox:{item_id}:structure_report"
    for outsider in (AUDITOR, officer_actor(1)):
        with pytest.raises(NotAllowed):
            desk.files.waiting_messages(outsider)


def test_a_message_becomes_a_case_with_the_intakes_envelope_and_the_senders_number(
    desk: Desk,
) -> None:
    counsellor, counsellor_phone = desk.world.officer("Ana", role="psychosocial")
    item_id, sender = _free_text(desk, "ele bateu-me ontem")

    made = desk.files.structure_message(SOFALA, item_id, kind="report", answers=ANSWERS)
    desk.world.drain()

    case = desk.world.case(made.case_id)
    assert (case.province, case.subtype, case.perpetrator, case.contact) == (
        "sofala", "beating", "client", "sms",
    )  # fmt: skip
    assert case.contact_sealed is not None and b"bateu" not in case.content_sealed
    assert desk.world.holder(made.case_id) == counsellor
    assert made.code in desk.world.inbox(counsellor_phone)[0]
    # The sender hears the code in the neutral "received" line, sent by the worker.
    assert f"Codigo {made.code}: recebido." in desk.world.inbox(sender)
    opened = desk.files.open_content(SOFALA, made.code, reason="structure_report")
    assert opened.description == "ele bateu-me ontem"
    assert desk.files.waiting_messages(SOFALA) == []
    with desk.world.container.sessions() as db:
        [item] = db.scalars(select(StructuringItem))
    assert (item.status, item.case_id, item.staff_id) == ("structured", made.case_id, SOFALA.id)
    with pytest.raises(ItemNotFound):  # a second go finds nothing waiting
        desk.files.structure_message(SOFALA, item_id, kind="report", answers=ANSWERS)
    # STOP by SMS from the sender now reaches this case too.
    desk.world.text(sender, "PARAR")
    assert desk.world.case(made.case_id).sms_opt_out


def test_structuring_refuses_unknown_codes_and_changes_nothing(desk: Desk) -> None:
    item_id, _ = _free_text(desk, "preciso falar com alguem")
    for broken in ({**ANSWERS, "province": "lisboa"}, {**ANSWERS, "extra": "x"}, {}):
        with pytest.raises(InvalidInput):
            desk.files.structure_message(SOFALA, item_id, kind="report", answers=broken)
    with pytest.raises(InvalidInput):
        desk.files.structure_message(SOFALA, item_id, kind="story", answers=ANSWERS)
    assert len(desk.files.waiting_messages(SOFALA)) == 1


def test_a_message_set_aside_needs_a_reason_and_leaves_the_queue(desk: Desk) -> None:
    item_id, _ = _free_text(desk, "ola")
    with pytest.raises(InvalidInput):
        desk.files.discard_message(SOFALA, item_id, reason="boring")

    desk.files.discard_message(SOFALA, item_id, reason="not_a_report")

    assert desk.files.waiting_messages(SOFALA) == []
    with pytest.raises(ItemNotFound):
        desk.files.open_message(SOFALA, item_id, reason="supervision")
    with desk.world.container.sessions() as db:
        [item] = db.scalars(select(StructuringItem))
    assert (item.status, item.discard_reason) == ("discarded", "not_a_report")
