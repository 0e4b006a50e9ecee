"""The case file shows routing fields, holder and a timeline of every event; nothing typed."""

from __future__ import annotations

import pytest

from service.desk.casefile import CaseNotFound
from tests.integration.casefile.conftest import (
    AUDITOR,
    GAZA,
    NATIONAL,
    SOFALA,
    Desk,
    officer_actor,
)


def test_the_case_file_has_the_envelope_holder_deadline_and_a_timeline_of_events(
    desk: Desk,
) -> None:
    counsellor, _ = desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned(
        what="rape", when="today", help="psychosocial", description="DESCRICAO-CANARIO"
    )

    view = desk.view(filed, SOFALA)

    assert (view.code, view.province, view.subtype, view.status) == (
        filed.code, "sofala", "rape", "assigned",
    )  # fmt: skip
    assert view.urgent and view.pep_window and not view.police_perpetrator
    assert view.holder is not None and view.holder.officer_id == counsellor
    assert view.deadline == "on_time"
    assert view.version == desk.version(filed)
    kinds = [(event.kind, event.action) for event in view.timeline]
    assert kinds[0] == ("intake", "report")
    assert ("audit", "assigned") in kinds
    [alert] = [event for event in view.timeline if event.action == "officer_alert"]
    assert alert.kind == "sms" and alert.detail in {"sent", "delivered"}
    assert all(event.is_new for event in view.timeline)  # first look
    # Nothing a person typed, and no number, anywhere in what the page gets.
    assert "CANARIO" not in repr(view) and filed.phone[4:] not in repr(view)


def test_a_failed_alert_shows_its_delivery_status_on_the_timeline(desk: Desk) -> None:
    desk.world.officer("Ana", role="psychosocial")
    filed = desk.filed_and_assigned()
    [row] = [r for r in desk.world.outbound() if r.purpose == "officer_alert"]
    assert row.provider_message_id is not None
    desk.world.delivery_report(row.provider_message_id, "Failed", "UserIsInactive")

    [alert] = [e for e in desk.view(filed).timeline if e.action == "officer_alert"]
    assert alert.detail == "failed:UserIsInactive"


def test_only_staff_who_may_see_a_case_can_open_it_and_others_are_told_it_does_not_exist(
    desk: Desk,
) -> None:
    holder, _ = desk.world.officer("Ana", role="psychosocial")
    other, _ = desk.world.officer("Bia", role="psychosocial")
    filed = desk.filed_and_assigned()
    if desk.world.holder(filed.case_id) != holder:
        holder, other = other, holder

    assert desk.view(filed, NATIONAL).case_id == filed.case_id
    assert desk.view(filed, SOFALA).case_id == filed.case_id
    assert desk.view(filed, officer_actor(holder)).case_id == filed.case_id
    for outsider in (GAZA, AUDITOR, officer_actor(other)):
        with pytest.raises(CaseNotFound) as refused:
            desk.view(filed, outsider)
        assert str(refused.value) == "case not found"
    with pytest.raises(CaseNotFound):
        desk.files.open(NATIONAL, "123456780")  # valid shape, no such case
    with pytest.raises(CaseNotFound):
        desk.files.open(NATIONAL, "not a code")


def test_a_police_officer_never_sees_a_case_whose_perpetrators_are_police(desk: Desk) -> None:
    police, _ = desk.world.officer("Gabi", role="police_liaison")
    desk.world.officer("Coord", role="coordinator")
    filed = desk.filed_and_assigned(who="police_on_duty", help="police", police_ok="no")
    assert desk.world.holder(filed.case_id) != police

    with pytest.raises(CaseNotFound):
        desk.view(filed, officer_actor(police))
