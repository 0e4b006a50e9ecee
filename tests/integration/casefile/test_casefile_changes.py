"""Status changes through the lifecycle, referrals, notes: versioned, audited, worker told."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from service.desk.casefile import (
    BadTransition,
    CaseFiles,
    CaseNotFound,
    InvalidInput,
    NotAllowed,
    StaleVersion,
)
from service.storage.casework_models import CaseClosure, CaseNote, Referral
from service.storage.models import OutboxJob
from tests.integration.casefile.conftest import NATIONAL, SOFALA, Desk, officer_actor


def test_a_case_moves_through_its_lifecycle_and_each_move_is_audited(desk: Desk) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    files, code = desk.files, filed.code

    version = files.change_status(SOFALA, code, version=desk.version(filed), status="in_contact")
    version = files.change_status(SOFALA, code, version=version, status="follow_up")
    version = files.change_status(
        SOFALA, code, version=version, status="closed", closure_reason="needs_met"
    )
    assert desk.world.case(filed.case_id).status == "closed"
    desk.world.drain()
    assert desk.world.inbox(filed.phone)[-1] == f"Codigo {code}: concluido."
    version = files.change_status(SOFALA, code, version=version, status="reopened")

    assert desk.world.case(filed.case_id).status == "reopened"
    assert version == desk.version(filed)
    actions = desk.audit_actions(filed.case_id)
    assert actions[-5:] == [
        "acknowledged", "status_in_contact", "status_follow_up", "status_closed", "status_reopened",
    ]  # fmt: skip
    [assignment] = desk.world.assignments(filed.case_id)
    assert assignment.acknowledged_at is not None  # taken up: the deadline stopped
    with desk.world.container.sessions() as db:
        [closure] = db.scalars(select(CaseClosure).where(CaseClosure.case_id == filed.case_id))
        jobs = list(db.scalars(select(OutboxJob.job).where(OutboxJob.case_id == filed.case_id)))
    assert (closure.reason, closure.staff_id) == ("needs_met", SOFALA.id)
    assert "notify_reporter_concluded" in jobs and "reassign_case" in jobs


@pytest.mark.parametrize(
    ("status", "reason", "error"),
    [
        ("closed", None, InvalidInput),
        ("closed", "because", InvalidInput),
        ("in_contact", "needs_met", InvalidInput),
        ("flying", None, InvalidInput),
        ("received", None, BadTransition),
        ("reopened", None, BadTransition),
        ("assigned", None, BadTransition),
    ],
)
def test_a_bad_status_change_is_refused_and_changes_nothing(
    desk: Desk, status: str, reason: str | None, error: type[Exception]
) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    before = desk.version(filed)

    with pytest.raises(error):
        desk.files.change_status(
            SOFALA, filed.code, version=before, status=status, closure_reason=reason
        )
    assert desk.version(filed) == before
    assert desk.world.case(filed.case_id).status == "assigned"


def test_the_second_of_two_editors_is_refused_with_a_clear_message(desk: Desk) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    seen_by_both = desk.view(filed, SOFALA).version

    desk.files.change_status(SOFALA, filed.code, version=seen_by_both, status="in_contact")
    with pytest.raises(StaleVersion) as refused:
        desk.files.add_note(NATIONAL, filed.code, version=seen_by_both, text="outra coisa")

    assert "changed since you opened it" in str(refused.value)
    assert refused.value.current == desk.version(filed) > seen_by_both
    with desk.world.container.sessions() as db:
        assert db.scalars(select(CaseNote)).all() == []


def test_an_officer_command_by_sms_also_moves_the_version(desk: Desk) -> None:
    _, phone = desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    seen = desk.view(filed).version

    desk.world.text(phone, f"OK {filed.code}")

    with pytest.raises(StaleVersion):
        desk.files.change_status(NATIONAL, filed.code, version=seen, status="in_contact")


def test_referrals_have_their_own_status_and_a_follow_up_date(desk: Desk) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    files, code = desk.files, filed.code
    soon = date.today() + timedelta(days=7)

    version = files.add_referral(
        SOFALA, code, version=desk.version(filed), service="health", follow_up_on=soon
    )
    assert desk.world.case(filed.case_id).status == "referred"
    version = files.add_referral(SOFALA, code, version=version, service="legal")
    version = files.record_referral_outcome(
        SOFALA, code, version=version, number=1, outcome="accepted"
    )
    version = files.record_referral_outcome(
        SOFALA, code, version=version, number=1, outcome="service_received"
    )
    version = files.set_referral_follow_up(
        SOFALA, code, version=version, number=2, follow_up_on=soon
    )
    with pytest.raises(BadTransition):
        files.record_referral_outcome(SOFALA, code, version=version, number=1, outcome="accepted")

    view = desk.view(filed)
    assert [(r.number, r.service, r.status, r.follow_up_on) for r in view.referrals] == [
        (1, "health", "service_received", soon),
        (2, "legal", "proposed", soon),
    ]
    assert view.open_referrals == 1 and view.status == "follow_up"
    assert desk.audit_actions(filed.case_id)[-4:] == [
        "referral_added", "referral_updated", "status_follow_up", "referral_follow_up",
    ]  # fmt: skip


def test_a_police_complaint_referral_needs_the_reporters_consent(desk: Desk) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned(police_ok="no")
    with pytest.raises(NotAllowed, match="did not agree"):
        desk.files.add_referral(
            SOFALA, filed.code, version=desk.version(filed), service="police_complaint"
        )
    with pytest.raises(InvalidInput):
        desk.files.add_referral(
            SOFALA, filed.code, version=desk.version(filed), service="health",
            follow_up_on=date.today() - timedelta(days=1),
        )  # fmt: skip
    with desk.world.container.sessions() as db:
        assert db.scalars(select(Referral)).all() == []


def test_a_note_is_sealed_and_the_log_only_says_a_note_was_added(desk: Desk) -> None:
    officer, _ = desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()

    desk.files.add_note(
        officer_actor(officer), filed.code, version=desk.version(filed), text="NOTA-CANARIO"
    )

    with desk.world.container.sessions() as db:
        [note] = db.scalars(select(CaseNote))
    assert b"NOTA-CANARIO" not in note.content_sealed
    assert (note.officer_id, note.staff_id) == (officer, 50)
    assert desk.audit_actions(filed.case_id)[-1] == "note_added"
    with pytest.raises(InvalidInput):
        desk.files.add_note(SOFALA, filed.code, version=desk.version(filed), text="   ")


def test_an_officer_who_does_not_hold_the_case_cannot_change_it(desk: Desk) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    other, _ = desk.world.officer("Bia", role="psychosocial")
    with pytest.raises(CaseNotFound):
        desk.files.change_status(
            officer_actor(other), filed.code, version=desk.version(filed), status="in_contact"
        )


def test_the_version_moves_even_when_no_column_of_the_case_changes(desk: Desk) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    still = desk.world.case(filed.case_id).updated_at  # a clock that never moves
    files = CaseFiles(replace(desk.files.parts, clock=lambda: still))

    first = files.add_note(SOFALA, filed.code, version=desk.version(filed), text="um")
    second = files.add_note(SOFALA, filed.code, version=first, text="dois")

    assert second == first + 1 == desk.version(filed)
    with pytest.raises(StaleVersion):
        files.add_note(SOFALA, filed.code, version=first, text="tres")
