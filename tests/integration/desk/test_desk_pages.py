"""The case page's forms, sealed content, statistics and the structuring queue, over HTTP."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from service.storage.casework_models import AuditEntry, Referral
from service.storage.models import Case
from tests.support.desk import DeskWorld, keep_free_text, version_on


def _case(desk: DeskWorld, case_id: int) -> Case:
    with desk.ctx.sessions() as db:
        case = db.get(Case, case_id)
        assert case is not None
        return case


def test_a_coordinator_refers_records_the_outcome_and_closes_a_case(desk: DeskWorld) -> None:
    case_id, code = desk.file()
    desk.assign(case_id, desk.officer("Rita", role="psychosocial"))
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    page = f"/desk/cases/{code}"
    referred = client.post(
        page + "/referrals", {"version": version_on(client.get(page).data), "service": "health"}
    )
    assert referred.status_code == 302
    outcome = client.post(
        page + "/referrals/outcome",
        {"version": version_on(client.get(page).data), "number": "1", "outcome": "accepted"},
    )
    assert outcome.status_code == 302
    later = (desk.clock().date() + timedelta(days=7)).isoformat()
    follow_up = client.post(
        page + "/referrals/follow-up",
        {"version": version_on(client.get(page).data), "number": "1", "follow_up_on": later},
    )
    assert follow_up.status_code == 302
    assert later.encode() in client.get(page).data
    closed = client.post(
        page + "/status",
        {
            "version": version_on(client.get(page).data),
            "status": "closed",
            "closure_reason": "needs_met",
        },
    )
    assert closed.status_code == 302
    assert b'<dd id="case-status">closed' in client.get(page).data
    assert _case(desk, case_id).status == "closed"
    with desk.ctx.sessions() as db:
        assert db.scalars(select(Referral.status)).all() == ["accepted"]


def test_a_save_over_someone_elses_change_is_refused_and_changes_nothing(desk: DeskWorld) -> None:
    case_id, code = desk.file()
    desk.assign(case_id, desk.officer("Rita", role="psychosocial"))
    ana = desk.signed_in(desk.staff("ana", role="coordinator"))
    bea = desk.signed_in(desk.staff("bea", role="coordinator"))
    page = f"/desk/cases/{code}"
    seen_by_ana = version_on(ana.get(page).data)
    seen_by_bea = version_on(bea.get(page).data)
    assert (
        bea.post(page + "/referrals", {"version": seen_by_bea, "service": "legal"}).status_code
        == 302
    )
    before = _case(desk, case_id)
    stale = ana.post(
        page + "/status",
        {"version": seen_by_ana, "status": "closed", "closure_reason": "needs_met"},
    )
    assert stale.status_code == 409
    assert b"Someone else changed this case" in stale.data
    after = _case(desk, case_id)
    assert (after.status, after.version) == (before.status, before.version)


def test_bad_form_input_gets_a_clear_message_and_changes_nothing(desk: DeskWorld) -> None:
    case_id, code = desk.file(police_ok="no")
    desk.assign(case_id, desk.officer("Rita", role="psychosocial"))
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    page = f"/desk/cases/{code}"
    version = version_on(client.get(page).data)
    before = _case(desk, case_id)
    cases = [
        ("/referrals", {"version": "abc", "service": "health"}, 400),
        ("/referrals", {"version": "9" * 40, "service": "health"}, 400),
        ("/referrals", {"version": version, "service": "x" * 10_000}, 400),
        ("/referrals", {"version": version, "service": "health", "follow_up_on": "31/02"}, 400),
        ("/referrals", {"version": version, "service": "police_complaint"}, 403),
        ("/status", {"version": version, "status": "closed"}, 400),
        ("/notes", {"version": version, "text": ""}, 400),
        ("/referrals/outcome", {"version": version, "number": "-1", "outcome": "accepted"}, 400),
    ]
    for suffix, form, status in cases:
        reply = client.post(page + suffix, form)
        assert reply.status_code == status, (suffix, form)
        assert b"Nothing was changed." in reply.data
    too_big = client.post(page + "/notes", {"version": version, "text": "x" * 20_000})
    assert too_big.status_code == 413
    after = _case(desk, case_id)
    assert (after.status, after.version) == (before.status, before.version)


def test_sealed_content_opens_once_after_a_reason_and_is_audited_first(desk: DeskWorld) -> None:
    case_id, code = desk.file()
    desk.assign(case_id, desk.officer("Rita", role="psychosocial"))
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    page = f"/desk/cases/{code}"
    client.get(page)
    assert client.post(page + "/content", {"reason": "because"}).status_code == 400
    opened = client.post(page + "/content", {"reason": "supervision"})
    assert opened.status_code == 200
    assert opened.headers["Cache-Control"] == "no-store"
    assert b"beating" in opened.data and b"sofala" in opened.data
    with desk.ctx.sessions() as db:
        actions = db.scalars(select(AuditEntry.action).where(AuditEntry.case_id == case_id)).all()
    assert "content_opened" in actions


def test_statistics_show_suppressed_figures_charts_as_images_and_a_tidy_audited_csv(
    desk: DeskWorld,
) -> None:
    for _ in range(6):
        desk.file(province="sofala", what="beating")
    desk.file(province="gaza", what="rape")
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    page = client.get("/desk/stats").data.decode()
    assert '<img src="/desk/stats/cases_by_month.svg"' in page
    assert "suppressed" in page
    chart = client.get("/desk/stats/cases_by_province.svg")
    assert chart.mimetype == "image/svg+xml"
    assert b"<script" not in chart.data and b"<style" not in chart.data
    assert b" style=" not in chart.data
    assert client.get("/desk/stats/nothing.svg").status_code == 404
    download = client.get("/desk/stats.csv")
    rows = list(csv.DictReader(io.StringIO(download.data.decode())))
    assert rows and list(rows[0])[-1] == "count"
    by_province = {r["province"]: r["count"] for r in rows if r["statistic"] == "cases_by_province"}
    assert by_province["sofala"] == "6" and by_province["gaza"] == "suppressed"
    with desk.ctx.sessions() as db:
        assert "export" in db.scalars(select(AuditEntry.action)).all()
    provincial = desk.signed_in(desk.staff("sof", role="coordinator", provinces=("sofala",)))
    mine = list(csv.DictReader(io.StringIO(provincial.get("/desk/stats.csv").data.decode())))
    assert {r["province"] for r in mine if r["province"]} == {"sofala"}


def test_a_free_text_sms_is_opened_with_a_reason_and_made_a_case(desk: DeskWorld) -> None:
    item_id = keep_free_text(desk, "Fui agredida ontem no mercado")
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    listing = client.get("/desk/structuring").data.decode()
    assert "Fui agredida" not in listing and f"/desk/structuring/{item_id}/open" in listing
    opened = client.post(f"/desk/structuring/{item_id}/open", {"reason": "structure_report"})
    assert "Fui agredida ontem no mercado" in opened.data.decode()
    made = client.post(
        f"/desk/structuring/{item_id}/structure",
        {
            "kind": "report",
            "what": "beating",
            "danger": "no",
            "when": "yesterday",
            "who": "stranger",
            "province": "manica",
            "help": "psychosocial",
            "contact": "none",
            "police_ok": "no",
        },
    )
    assert made.status_code == 302 and made.headers["Location"].startswith("/desk/cases/")
    assert b"Manica" in client.get(made.headers["Location"]).data
    assert b"Nothing waiting." in client.get("/desk/structuring").data


def test_the_desk_texts_have_the_same_keys_in_both_languages() -> None:
    from service.desk.i18n import texts

    assert set(texts("pt")) == set(texts("en"))
    # Only the "seen" marker is empty on purpose: a case already seen shows nothing.
    for lang in ("pt", "en"):
        assert [key for key, text in texts(lang).items() if not text] == ["changed.seen"]


def test_a_form_sent_after_the_session_expired_says_so_and_changes_nothing(
    desk: DeskWorld,
) -> None:
    case_id, code = desk.file()
    desk.assign(case_id, desk.officer("Rita", role="psychosocial"))
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    version = version_on(client.get(f"/desk/cases/{code}").data)
    desk.clock.advance(minutes=31)
    late = client.post(f"/desk/cases/{code}/referrals", {"version": version, "service": "health"})
    assert late.headers["Location"].startswith("/desk/login?expired=1")
    assert b"Your session ended" in client.get(late.headers["Location"]).data
    with desk.ctx.sessions() as db:
        assert db.scalars(select(Referral)).all() == []


def test_the_assign_form_offers_only_who_may_hold_the_case_and_assigns(desk: DeskWorld) -> None:
    case_id, code = desk.file(who="police_on_duty", police_ok="no", help="psychosocial")
    police = desk.officer("Agente", role="police_liaison")
    rita = desk.officer("Rita", role="psychosocial")
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    page = client.get(f"/desk/cases/{code}").data.decode()
    assert f'<option value="{rita}">Rita' in page
    assert f'<option value="{police}">' not in page
    assigned = client.post(
        f"/desk/cases/{code}/assign",
        {"version": version_on(page.encode()), "officer_id": str(rita)},
    )
    assert assigned.status_code == 302
    assert b'<dd id="case-holder">Rita</dd>' in client.get(f"/desk/cases/{code}").data
    refused = client.post(
        f"/desk/cases/{code}/assign",
        {"version": version_on(client.get(f"/desk/cases/{code}").data), "officer_id": str(police)},
    )
    assert refused.status_code == 403
    assert b"conflict-of-interest" in refused.data
    assert case_id


def test_the_holder_asks_for_a_call_back_and_is_told_the_number_comes_by_sms(
    desk: DeskWorld,
) -> None:
    case_id, code = desk.file(contact="call")
    rita = desk.officer("Rita", role="psychosocial")
    desk.assign(case_id, rita)
    holder = desk.signed_in(desk.staff("rita", role="officer", officer_id=rita))
    page = holder.get(f"/desk/cases/{code}").data
    assert b'id="callback-form"' in page
    asked = holder.post(f"/desk/cases/{code}/callback", {"reason": "contact_reporter"})
    assert asked.status_code == 302
    told = holder.get(asked.headers["Location"]).data
    assert b"The number is on its way to your phone by SMS." in told
    assert b"+258" not in told
    coordinator = desk.signed_in(desk.staff("nat", role="coordinator"))
    assert b'id="callback-form"' not in coordinator.get(f"/desk/cases/{code}").data
    with desk.ctx.sessions() as db:
        actions = db.scalars(select(AuditEntry.action).where(AuditEntry.case_id == case_id)).all()
    assert "contact_requested" in actions


def test_a_free_text_sms_can_become_a_help_request_and_a_bad_kind_changes_nothing(
    desk: DeskWorld,
) -> None:
    item_id = keep_free_text(desk, "preciso de ajuda, liguem-me")
    client = desk.signed_in(desk.staff("nat", role="coordinator"))
    client.post(f"/desk/structuring/{item_id}/open", {"reason": "structure_report"})
    form = {"help": "callback", "province": "tete", "contact": "none"}
    refused = client.post(f"/desk/structuring/{item_id}/structure", {**form, "kind": "poem"})
    assert refused.status_code == 400 and b"Nothing was changed." in refused.data
    made = client.post(f"/desk/structuring/{item_id}/structure", {**form, "kind": "help"})
    assert made.status_code == 302
    assert b"Tete" in client.get(made.headers["Location"]).data
