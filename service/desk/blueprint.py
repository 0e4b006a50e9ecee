"""The desk blueprint: every page lives under /desk/; helpers every view uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, current_app, g
from flask_login import current_user, login_required

from service.desk.casefile import Actor
from service.desk.context import DeskContext
from service.desk.i18n import translate
from service.desk.roles import Scope, parse_provinces

desk = Blueprint(
    "desk",
    __name__,
    url_prefix="/desk",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

EXTENSION = "handsoff_desk"
F = TypeVar("F", bound=Callable[..., Any])


def context() -> DeskContext:
    return cast(DeskContext, current_app.extensions[EXTENSION])


def t(key: str, **params: object) -> str:
    """Translate into the language of this request (the staff member's choice, kept)."""
    return translate(getattr(g, "lang", "pt"), key, **params)


def scope() -> Scope:
    user = current_user
    return Scope(
        role=user.role,
        provinces=parse_provinces(user.provinces),
        officer_id=user.officer_id,
    )


def signed_in_only(view: F) -> F:
    """Flask-Login's login_required, typed."""
    return cast(F, login_required(view))


def actor() -> Actor:
    """The signed-in staff member as the case file sees them."""
    user = current_user
    return Actor(
        id=user.account_id,
        username=user.username,
        role=user.role,
        provinces=frozenset(user.provinces.split()),
        officer_id=user.officer_id,
    )


def requires(*roles: str) -> Callable[[F], F]:
    """Signed in, and in one of these roles; anyone else gets 403 (anonymous: sign in)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, login_required(guarded))

    return decorate


@desk.app_template_global("t")
def _t(key: str, **params: object) -> str:
    return t(key, **params)


@desk.app_template_global("province_name")
def province_name(code: str | None) -> str:
    from service.casework.vocab import PROVINCES

    return PROVINCES.get(code or "", t("province.unknown"))


@desk.app_template_filter("age")
def age(delta: object) -> str:
    """A short age: minutes, hours or days (the same in both languages)."""
    from datetime import timedelta

    if not isinstance(delta, timedelta):
        return "—"
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


@desk.app_template_global("event_label")
def event_label(kind: str, action: str) -> str:
    """A timeline event's words; an action without words of its own shows its code."""
    for key in (f"event.{kind}", f"event.{action}"):
        text = t(key)
        if text != key:
            return text
    return action.replace("_", " ")


@desk.app_template_global("desk_badge")
def desk_badge() -> object:
    """The overdue / urgent / unassigned counts, on every page of a role that sees cases."""
    from service.desk.queue import badge

    if not current_user.is_authenticated or not scope().sees_cases:
        return None
    ctx = context()
    with ctx.sessions() as db:
        return badge(db, scope(), ctx.clock())


@desk.app_template_filter("province_label")
def province_label(code: str | None) -> str:
    return province_name(code)
