"""Work cases on the desk with marker texts and numbers; find them nowhere in clear."""

from __future__ import annotations

import logging
import secrets

import pytest

from tests.integration.casefile.conftest import ANY_REASON, SOFALA, Desk, officer_actor
from tests.integration.casework.conftest import new_number
from tests.support.canary import database_values, leaks, redis_values, variants_of_number


def test_desk_work_leaves_no_number_code_or_text_in_clear(
    desk: Desk, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "CANARY" + secrets.token_hex(5)
    holder, holder_phone = desk.world.officer("Ana", role="psychosocial")
    other, other_phone = desk.world.officer("Bia", role="psychosocial")
    filed = desk.filed_and_assigned(contact="call", description=f"{marker} descricao")
    if desk.world.holder(filed.case_id) != holder:
        holder, other, holder_phone, other_phone = other, holder, other_phone, holder_phone
    sender = new_number()
    desk.world.text(sender, f"{marker} mensagem livre")
    files, code = desk.files, filed.code

    version = files.add_note(SOFALA, code, version=desk.version(filed), text=f"{marker} nota")
    files.open_content(SOFALA, code, reason=ANY_REASON)
    version = files.add_referral(SOFALA, code, version=version, service="health")
    version = files.assign(SOFALA, code, version=version, officer_id=other)
    files.request_call_back(officer_actor(other), code, reason="contact_reporter")
    [waiting] = files.waiting_messages(SOFALA)
    files.open_message(SOFALA, waiting.id, reason=ANY_REASON)
    made = files.structure_message(
        SOFALA,
        waiting.id,
        kind="help",
        answers={"help": "callback", "province": "sofala", "contact": "sms"},
    )
    desk.world.drain()
    files.change_status(
        SOFALA, code, version=desk.version(filed), status="closed", closure_reason="needs_met"
    )
    desk.world.drain()

    # It really ran: the new holder got the number, the sender got their new code.
    assert filed.phone in desk.world.inbox(other_phone)[-1]
    assert any(made.code in text for text in desk.world.inbox(sender))
    needles = [
        *variants_of_number(filed.phone),
        *variants_of_number(sender),
        *variants_of_number(holder_phone),
        *variants_of_number(other_phone),
        code,
        made.code,
        marker,
    ]
    out, err = capfd.readouterr()
    assert leaks(database_values(desk.world.container.engine), needles) == []
    assert leaks(redis_values(desk.world.connection), needles) == []
    assert leaks([caplog.text.encode(), out.encode(), err.encode()], needles) == []
