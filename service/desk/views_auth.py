"""Sign in with password and TOTP, sign out, change password, choose a language."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from service.casework.audit import record_event
from service.desk import session_timers
from service.desk.blueprint import context, desk, signed_in_only, t
from service.desk.forms import EmptyForm, LoginForm, PasswordChangeForm
from service.desk.passwords import hash_password, password_matches
from service.desk.roles import AUDITOR, LANGUAGES
from service.desk.signin import sign_in
from service.desk.users import load_user
from service.storage.desk_models import StaffAccount

Page = str | tuple[str, int] | BaseResponse


@desk.get("/")
def home() -> BaseResponse:
    if not current_user.is_authenticated:
        return redirect(url_for("desk.login"))
    if current_user.role == AUDITOR:
        return redirect(url_for("desk.audit"))
    return redirect(url_for("desk.queue"))


@desk.route("/login", methods=["GET", "POST"])
def login() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("desk.home"))
    form = LoginForm()
    message = t("login.expired") if request.args.get("expired") else None
    if request.method == "POST":
        if not form.validate():
            return render_template("login.html", form=form, message=t("login.wrong")), 400
        ctx = context()
        result = sign_in(
            ctx,
            form.username.data or "",
            form.password.data or "",
            form.code.data or "",
            request.remote_addr or "",
        )
        _audit_sign_in(result.outcome, result.account_id)
        if result.outcome == "locked":
            return render_template("login.html", form=form, message=t("login.locked")), 429
        user = load_user(ctx, f"{result.account_id}.{result.generation}")
        if result.outcome != "ok" or user is None:
            return render_template("login.html", form=form, message=t("login.wrong")), 400
        login_user(user)
        session_timers.start(ctx)
        return redirect(url_for("desk.home"))
    return render_template("login.html", form=form, message=message)


def _audit_sign_in(outcome: str, account_id: int | None) -> None:
    ctx = context()
    # The typed name is never logged: it may be a password typed into the wrong field.
    actor = f"staff:{account_id}" if account_id is not None else "desk"
    action = {"ok": "desk_login", "wrong": "desk_login_failed", "locked": "desk_login_locked"}
    with ctx.sessions.begin() as db:
        record_event(db, at=ctx.clock(), actor=actor, action=action[outcome])


@desk.post("/logout")
def logout() -> BaseResponse:
    logout_user()
    return redirect(url_for("desk.login"))


@desk.route("/password", methods=["GET", "POST"])
@signed_in_only
def password() -> Page:
    form = PasswordChangeForm()
    if request.method != "POST":
        return render_template("password.html", form=form, message=None)
    if not form.validate():
        return render_template("password.html", form=form, message=t("err.form")), 400
    ctx = context()
    with ctx.sessions.begin() as db:
        account = db.scalars(
            select(StaffAccount).where(StaffAccount.id == current_user.account_id).with_for_update()
        ).one()
        if not password_matches(account.password_hash, form.current.data or ""):
            return render_template("password.html", form=form, message=t("password.wrong")), 400
        if form.new.data == form.current.data:
            return render_template("password.html", form=form, message=t("password.same")), 400
        account.password_hash = hash_password(form.new.data or "")
        account.must_change_password = False
        # Every other session of this account ends: their ids carry the old generation.
        account.session_generation += 1
        account.updated_at = ctx.clock()
        record_event(db, at=ctx.clock(), actor=f"staff:{account.id}", action="desk_password")
        generation = account.session_generation
    user = load_user(ctx, f"{current_user.account_id}.{generation}")
    if user is not None:
        login_user(user)
        session_timers.start(ctx)
    return redirect(url_for("desk.home"))


@desk.route("/account", methods=["GET", "POST"])
@signed_in_only
def account() -> Page:
    if request.method == "POST":
        # The CSRF token was checked before the view; the one field is checked here.
        lang = request.form.get("lang", "")
        if lang not in LANGUAGES:
            return render_template("account.html", message=t("err.filter")), 400
        ctx = context()
        with ctx.sessions.begin() as db:
            row = db.get(StaffAccount, current_user.account_id)
            if row is not None:
                row.lang = lang
        return redirect(url_for("desk.account"))
    return render_template("account.html", message=None)


def logout_form() -> EmptyForm:
    return EmptyForm()
