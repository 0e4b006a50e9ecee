"""Sign-in with password and TOTP, throttling, session expiry, logout everywhere, headers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from config.settings import Settings
from service.desk.app import create_desk_app
from service.storage.casework_models import AuditEntry
from service.storage.desk_models import StaffAccount
from tests.support.desk import DeskWorld


def test_a_coordinator_signs_in_with_password_and_totp_and_lands_on_the_queue(
    desk: DeskWorld,
) -> None:
    ana = desk.staff("ana", role="coordinator")
    client = desk.client()
    response = client.login(ana)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/desk/")
    queue = client.get("/desk/cases")
    assert queue.status_code == 200
    assert b"Cases" in queue.data


def test_the_login_form_carries_the_standard_autocomplete_tokens(desk: DeskWorld) -> None:
    page = desk.client().get("/desk/login").data
    assert b'autocomplete="username"' in page
    assert b'autocomplete="current-password"' in page
    assert b'autocomplete="one-time-code"' in page


def test_a_totp_code_is_accepted_once(desk: DeskWorld) -> None:
    ana = desk.staff("ana", role="coordinator")
    first, second = desk.client(), desk.client()
    code = first.code(ana)
    desk.clock.advance(seconds=-30)  # the second try comes within the same 30 s step
    fields = {"username": "ana", "password": ana.password, "code": code}
    first.get("/desk/login")
    assert first.post("/desk/login", fields).status_code == 302
    second.get("/desk/login")
    replay = second.post("/desk/login", fields)
    assert replay.status_code == 400
    assert b"Wrong username, password or code" in replay.data


def test_every_wrong_answer_gets_the_same_message(desk: DeskWorld) -> None:
    ana = desk.staff("ana", role="coordinator")
    client = desk.client()
    replies = [
        client.login(ana, password="not the password"),
        client.post("/desk/login", {"username": "ana", "password": ana.password, "code": "000000"}),
        client.post("/desk/login", {"username": "nobody", "password": "x" * 12, "code": "123456"}),
        client.post("/desk/login", {"username": "ana", "password": ana.password, "code": "12ab"}),
    ]
    for reply in replies:
        assert reply.status_code == 400
        assert b"Wrong username, password or code. Check them and try again." in reply.data


def test_five_failures_lock_the_account_with_a_clear_message_even_for_the_right_password(
    desk: DeskWorld,
) -> None:
    ana = desk.staff("ana", role="coordinator")
    client = desk.client()
    for _ in range(4):
        assert client.login(ana, password="wrong password!").status_code == 400
    locked = client.login(ana, password="wrong password!")
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.data
    assert desk.client().login(ana).status_code == 429
    desk.clock.advance(minutes=16)
    assert desk.client().login(ana).status_code == 302


def test_one_address_guessing_many_accounts_is_held_back(desk: DeskWorld) -> None:
    client = desk.client()
    client.get("/desk/login")
    statuses = [
        client.post(
            "/desk/login", {"username": f"user{n}", "password": "x" * 12, "code": "123456"}
        ).status_code
        for n in range(20)
    ]
    assert statuses[:19] == [400] * 19
    assert statuses[19] == 429


def test_failed_and_successful_sign_ins_are_audited_without_the_typed_name(
    desk: DeskWorld,
) -> None:
    ana = desk.staff("ana", role="coordinator")
    client = desk.client()
    client.post("/desk/login", {"username": "typo-ana", "password": "x" * 12, "code": "123456"})
    client.login(ana)
    with desk.ctx.sessions() as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor, e.action) for e in entries] == [
        ("desk", "desk_login_failed"),
        (f"staff:{ana.account_id}", "desk_login"),
    ]
    assert all("typo" not in e.actor + e.detail for e in entries)


def test_the_first_sign_in_forces_a_new_password(desk: DeskWorld) -> None:
    bea = desk.staff("bea", role="coordinator", first_login_done=False)
    client = desk.client()
    assert client.login(bea).status_code == 302
    assert client.get("/desk/cases").headers["Location"].endswith("/desk/password")
    changed = client.post(
        "/desk/password",
        {"current": bea.password, "new": "a brand new secret", "confirm": "a brand new secret"},
    )
    assert changed.status_code == 302
    assert client.get("/desk/cases").status_code == 200


def test_a_password_change_ends_every_other_session(desk: DeskWorld) -> None:
    ana = desk.staff("ana", role="coordinator")
    phone, laptop = desk.signed_in(ana), desk.signed_in(ana)
    assert laptop.get("/desk/cases").status_code == 200
    new = "another long secret"
    phone.get("/desk/password")
    assert (
        phone.post(
            "/desk/password", {"current": ana.password, "new": new, "confirm": new}
        ).status_code
        == 302
    )
    assert phone.get("/desk/cases").status_code == 200
    assert laptop.get("/desk/cases").headers["Location"].startswith("/desk/login")


def test_a_wrong_current_password_changes_nothing(desk: DeskWorld) -> None:
    ana = desk.staff("ana", role="coordinator")
    client = desk.signed_in(ana)
    client.get("/desk/password")
    with desk.ctx.sessions() as db:
        before = db.scalars(select(StaffAccount)).one().password_hash
    refused = client.post(
        "/desk/password", {"current": "not it at all", "new": "x" * 14, "confirm": "x" * 14}
    )
    assert refused.status_code == 400
    assert b"Nothing was changed" in refused.data
    with desk.ctx.sessions() as db:
        assert db.scalars(select(StaffAccount)).one().password_hash == before


def test_a_session_ends_after_30_idle_minutes(desk: DeskWorld) -> None:
    client = desk.signed_in(desk.staff("ana", role="coordinator"))
    desk.clock.advance(minutes=29)
    assert client.get("/desk/cases").status_code == 200
    desk.clock.advance(minutes=31)
    expired = client.get("/desk/cases")
    assert expired.headers["Location"].startswith("/desk/login?expired=1")
    assert b"Your session ended" in client.get("/desk/login?expired=1").data


def test_a_session_ends_after_12_hours_however_busy(desk: DeskWorld) -> None:
    client = desk.signed_in(desk.staff("ana", role="coordinator"))
    for _ in range(11 * 3):
        desk.clock.advance(minutes=20)
        assert client.get("/desk/cases").status_code == 200
    desk.clock.advance(minutes=61)
    assert client.get("/desk/cases").status_code == 302


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(desk: DeskWorld) -> None:
    ana = desk.staff("ana", role="coordinator")
    client = desk.signed_in(ana)
    desk.registry.disable("ana")
    assert client.get("/desk/cases").status_code == 302
    assert desk.client().login(ana).status_code == 400


def test_every_desk_page_has_the_strict_headers_and_cookie_flags(desk: DeskWorld) -> None:
    client = desk.client()
    login = client.get("/desk/login")
    csp = login.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert login.headers["Referrer-Policy"] == "no-referrer"
    assert login.headers["Cache-Control"] == "no-store"
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    signed_in = desk.signed_in(desk.staff("ana", role="coordinator"))
    queue = signed_in.get("/desk/cases")
    assert queue.headers["Cache-Control"] == "no-store"
    assert "unsafe-inline" not in queue.headers["Content-Security-Policy"]
    assert b"<script" not in queue.data and b"style=" not in queue.data


def test_production_refuses_plain_http(desk: DeskWorld) -> None:
    plain = desk.app.test_client().get("/desk/login", base_url="http://localhost")
    assert plain.status_code == 403
    assert b"HTTPS only" in plain.data


def test_behind_the_tls_proxy_the_forwarded_protocol_is_trusted(
    desk: DeskWorld, tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {
            "HANDSOFF_HOME": str(desk.settings.home),
            "DATABASE_URL": desk.settings.database_url,
            "HANDSOFF_TLS_PROXY": "1",
        },
        serves_callbacks=False,
    )
    app = create_desk_app(settings, desk.ctx).test_client()
    forwarded = app.get(
        "/desk/login", base_url="http://localhost", headers={"X-Forwarded-Proto": "https"}
    )
    assert forwarded.status_code == 200
    assert app.get("/desk/login", base_url="http://localhost").status_code == 403


def test_a_post_without_or_with_a_forged_csrf_token_is_refused_and_changes_nothing(
    desk: DeskWorld,
) -> None:
    client = desk.signed_in(desk.staff("ana", role="coordinator", lang="pt"))
    for token in (None, "forged"):
        data = {"lang": "en"} if token is None else {"lang": "en", "csrf_token": token}
        refused = client.post("/desk/account", data, csrf=False)
        assert refused.status_code == 400
        assert "Este formulário expirou".encode() in refused.data
    with desk.ctx.sessions() as db:
        assert db.scalars(select(StaffAccount)).one().lang == "pt"


def test_the_language_is_the_staff_members_choice_and_is_kept(desk: DeskWorld) -> None:
    ana = desk.staff("ana", role="coordinator", lang="pt")
    client = desk.signed_in(ana)
    assert b"Casos" in client.get("/desk/cases").data
    client.get("/desk/account")
    assert client.post("/desk/account", {"lang": "en"}).status_code == 302
    assert b"No case matches." in desk.signed_in(ana).get("/desk/cases").data
