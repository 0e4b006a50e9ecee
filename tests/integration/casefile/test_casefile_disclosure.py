"""Opening sealed content and calling back: a reason, the audit entry first, the holder only."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from service.desk.casefile import CaseFiles, InvalidInput, NotAllowed
from service.storage.casework_models import AuditEntry, ContactRequest
from tests.integration.casefile.conftest import SOFALA, Desk, officer_actor


class _CountingOpener:
    """Wraps the real opener and counts how often anything was opened."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.calls = 0

    def open_report(self, blob: bytes, case_ref: str) -> bytes:
        self.calls += 1
        return self.real.open_report(blob, case_ref)  # type: ignore[attr-defined, no-any-return]


def test_sealed_content_opens_after_a_reason_with_the_audit_entry_written(desk: Desk) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned(description="ele bateu-me")
    desk.files.add_note(SOFALA, filed.code, version=desk.version(filed), text="ligar amanha")

    opened = desk.files.open_content(SOFALA, filed.code, reason="plan_referral")

    assert opened.description == "ele bateu-me"
    assert opened.answers["what"] == "beating" and "pin" not in opened.answers
    assert [(n.author, n.text) for n in opened.notes] == [(f"staff:{SOFALA.id}", "ligar amanha")]
    with desk.world.container.sessions() as db:
        entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert (entry.action, entry.actor, entry.detail) == (
        "content_opened", "staff:2", "plan_referral",
    )  # fmt: skip


def test_without_a_listed_reason_nothing_is_opened(desk: Desk) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    spy = _CountingOpener(desk.files.parts.report_opener)
    files = CaseFiles(replace(desk.files.parts, report_opener=spy))  # type: ignore[arg-type]

    for reason in ("", "curious", "porque sim"):
        with pytest.raises(InvalidInput):
            files.open_content(SOFALA, filed.code, reason=reason)
    assert spy.calls == 0
    assert "content_opened" not in desk.audit_actions(filed.case_id)


def test_if_the_audit_entry_cannot_be_written_nothing_is_opened(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    spy = _CountingOpener(desk.files.parts.report_opener)
    files = CaseFiles(replace(desk.files.parts, report_opener=spy))  # type: ignore[arg-type]

    def broken_log(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("service.desk.casefile.parts.record_event", broken_log)
    with pytest.raises(RuntimeError):
        files.open_content(SOFALA, filed.code, reason="supervision")
    assert spy.calls == 0


def test_the_holder_gets_the_number_by_sms_through_the_worker_as_with_tel(desk: Desk) -> None:
    holder, holder_phone = desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned(contact="call")

    desk.files.request_call_back(officer_actor(holder), filed.code, reason="contact_reporter")
    desk.world.drain()

    assert desk.world.inbox(holder_phone)[-1] == f"Caso {filed.code}: ligar para {filed.phone}"
    assert desk.audit_actions(filed.case_id)[-2:] == ["contact_requested", "contact_disclosed"]


def test_nobody_but_the_holder_gets_the_number_and_only_when_a_call_was_asked(
    desk: Desk,
) -> None:
    holder, _ = desk.world.officer("Ana", role="psychosocial")
    called = desk.filed_and_assigned(contact="call")
    texted = desk.filed_and_assigned(contact="sms")
    if desk.world.holder(texted.case_id) != holder:
        pytest.fail("both cases go to the only officer")

    with pytest.raises(NotAllowed, match="holding"):
        desk.files.request_call_back(SOFALA, called.code, reason="contact_reporter")
    with pytest.raises(NotAllowed, match="did not ask"):
        desk.files.request_call_back(officer_actor(holder), texted.code, reason="contact_reporter")
    with pytest.raises(InvalidInput):
        desk.files.request_call_back(officer_actor(holder), called.code, reason="")
    with desk.world.container.sessions() as db:
        assert db.scalars(select(ContactRequest)).all() == []
    assert desk.view(called, officer_actor(holder)).can_call_back
    assert not desk.view(called, SOFALA).can_call_back
