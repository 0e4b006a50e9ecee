"""What changed since a staff member last looked, per case and per event."""

from __future__ import annotations

from tests.integration.casefile.conftest import NATIONAL, SOFALA, Desk


def test_a_case_is_new_until_opened_then_changed_when_someone_else_acts(desk: Desk) -> None:
    _, phone = desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    ids = [filed.case_id]

    assert desk.files.whats_new(SOFALA, ids) == {filed.case_id: "new"}
    first = desk.view(filed, SOFALA)
    assert first.last_seen_at is None
    assert desk.files.whats_new(SOFALA, ids) == {}

    desk.world.text(phone, f"OK {filed.code}")  # the officer acknowledges by SMS

    assert desk.files.whats_new(SOFALA, ids) == {filed.case_id: "changed"}
    again = desk.view(filed, SOFALA)
    assert again.last_seen_at is not None
    new_events = [e.action for e in again.timeline if e.is_new]
    assert "status_acknowledged" in new_events and "assigned" not in new_events
    # Someone else's marker is their own.
    assert desk.files.whats_new(NATIONAL, ids) == {filed.case_id: "new"}


def test_a_staff_members_own_change_is_not_news_to_them(desk: Desk) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    version = desk.view(filed, SOFALA).version

    desk.files.change_status(SOFALA, filed.code, version=version, status="in_contact")

    assert desk.files.whats_new(SOFALA, [filed.case_id]) == {}
    assert desk.files.whats_new(NATIONAL, [filed.case_id]) == {filed.case_id: "new"}
