"""The queue (/desk/cases) and the case page (/desk/cases/<code>) with its forms.

The case page reads and changes the case through the case-file layer (service/desk/casefile/):
every change carries the version the page showed, and a refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from flows.envelope import GBV_TYPES
from service.casework.vocab import (
    CLOSED,
    CLOSURE_REASONS,
    DISCLOSURE_REASONS,
    PROVINCES,
    REFERRAL_OUTCOMES,
    REFERRAL_SERVICES,
    STATUS_MOVES,
)
from service.desk.blueprint import actor, context, desk, requires, scope, t
from service.desk.case_lookup import normalise_code
from service.desk.casefile import (
    BadTransition,
    CaseFileError,
    CaseNotFound,
    InvalidInput,
    NotAllowed,
    StaleVersion,
)
from service.desk.queue import (
    PERPETRATOR_GROUPS,
    SORTS,
    STATUSES,
    FilterError,
    Filters,
    queue_page,
)
from service.desk.roles import COORDINATOR, OFFICER

Page = str | tuple[str, int] | BaseResponse
MAX_NUMBER_DIGITS = 6
# Refusals of the case file, as the page says them (nothing was changed in any of them).
REFUSALS: dict[type[CaseFileError], tuple[str, int]] = {
    StaleVersion: ("err.stale", 409),
    NotAllowed: ("err.not_allowed", 403),
    BadTransition: ("err.transition", 409),
    InvalidInput: ("err.invalid", 400),
}


@desk.get("/cases")
@requires(COORDINATOR, OFFICER)
def queue() -> Page:
    the_scope = scope()
    try:
        filters = Filters.from_args(request.args, the_scope)
    except FilterError as error:
        status = 403 if str(error) == "err.province_scope" else 400
        return render_template("error.html", message=t(str(error))), status
    ctx = context()
    who = actor()
    with ctx.sessions() as db:
        page = queue_page(
            db,
            the_scope,
            filters,
            now=ctx.clock(),
            cipher=ctx.state_cipher,
            whats_new=lambda ids: ctx.files.whats_new(who, ids),
        )
    return render_template(
        "queue.html",
        page=page,
        filters=filters,
        provinces=[code for code in PROVINCES if the_scope.covers_province(code)],
        statuses=STATUSES,
        subtypes=tuple(GBV_TYPES),
        perpetrators=tuple(PERPETRATOR_GROUPS),
        sorts=SORTS,
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@desk.get("/find")
@requires(COORDINATOR, OFFICER)
def find() -> Page:
    """Open a case by a typed code (spaces and dashes allowed)."""
    code = normalise_code(request.args.get("code", "")[:40])
    if code is None:
        return render_template("error.html", message=t("err.not_found")), 404
    return redirect(url_for("desk.case_page", code=code))


@desk.get("/cases/<code>")
@requires(COORDINATOR, OFFICER)
def case_page(code: str) -> Page:
    ctx = context()
    try:
        view = ctx.files.open(actor(), code)
    except CaseNotFound:
        abort(404)
    # Who may hold it, best fit first (the routing and conflict-of-interest rules decide).
    officers = []
    if scope().is_coordinator and view.status != CLOSED:
        officers = [o for o in ctx.files.eligible_officers(actor(), code) if not o.holds_it]
    done = request.args.get("m")
    return render_template(
        "case.html",
        case=view,
        officers=officers,
        moves=sorted(STATUS_MOVES.get(view.status, frozenset()) - {CLOSED}),
        can_close=CLOSED in STATUS_MOVES.get(view.status, frozenset()),
        services=REFERRAL_SERVICES,
        outcomes=REFERRAL_OUTCOMES,
        reasons=CLOSURE_REASONS,
        disclosure_reasons=DISCLOSURE_REASONS,
        message=t("done." + done) if done in DONE else None,
    )


DONE = frozenset({"assigned", "status", "referral", "outcome", "follow_up", "note", "callback"})


def _number(field: str) -> int:
    raw = request.form.get(field, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_NUMBER_DIGITS:
        raise InvalidInput(f"{field} is not a number")
    return int(raw)


def _date(field: str) -> date | None:
    raw = request.form.get(field, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise InvalidInput(f"{field} is not a date") from None


def _change(code: str, done: str, change: Callable[[], object]) -> Page:
    """Run one case-file change; a refusal says why and changes nothing."""
    try:
        change()
    except CaseNotFound:
        abort(404)
    except CaseFileError as error:
        key, status = REFUSALS.get(type(error), ("err.invalid", 400))
        return render_template("error.html", message=t(key), back=code), status
    return redirect(url_for("desk.case_page", code=code, m=done))


def _form(name: str) -> str:
    return request.form.get(name, "")[:2000]


@desk.post("/cases/<code>/assign")
@requires(COORDINATOR)
def assign_case(code: str) -> Page:
    files, who = context().files, actor()
    return _change(
        code,
        "assigned",
        lambda: files.assign(
            who, code, version=_number("version"), officer_id=_number("officer_id")
        ),
    )


@desk.post("/cases/<code>/status")
@requires(COORDINATOR, OFFICER)
def change_status(code: str) -> Page:
    files, who = context().files, actor()
    return _change(
        code,
        "status",
        lambda: files.change_status(
            who,
            code,
            version=_number("version"),
            status=_form("status"),
            closure_reason=_form("closure_reason") or None,
        ),
    )


@desk.post("/cases/<code>/referrals")
@requires(COORDINATOR, OFFICER)
def add_referral(code: str) -> Page:
    files, who = context().files, actor()
    return _change(
        code,
        "referral",
        lambda: files.add_referral(
            who,
            code,
            version=_number("version"),
            service=_form("service"),
            follow_up_on=_date("follow_up_on"),
        ),
    )


@desk.post("/cases/<code>/referrals/outcome")
@requires(COORDINATOR, OFFICER)
def referral_outcome(code: str) -> Page:
    files, who = context().files, actor()
    return _change(
        code,
        "outcome",
        lambda: files.record_referral_outcome(
            who,
            code,
            version=_number("version"),
            number=_number("number"),
            outcome=_form("outcome"),
        ),
    )


@desk.post("/cases/<code>/referrals/follow-up")
@requires(COORDINATOR, OFFICER)
def referral_follow_up(code: str) -> Page:
    files, who = context().files, actor()
    return _change(
        code,
        "follow_up",
        lambda: files.set_referral_follow_up(
            who,
            code,
            version=_number("version"),
            number=_number("number"),
            follow_up_on=_date("follow_up_on"),
        ),
    )


@desk.post("/cases/<code>/notes")
@requires(COORDINATOR, OFFICER)
def add_note(code: str) -> Page:
    files, who = context().files, actor()
    return _change(
        code,
        "note",
        lambda: files.add_note(who, code, version=_number("version"), text=_form("text")),
    )


@desk.post("/cases/<code>/content")
@requires(COORDINATOR, OFFICER)
def open_content(code: str) -> Page:
    """Sealed content, once: the audit entry is written first, and nothing is cached."""
    try:
        content = context().files.open_content(actor(), code, reason=_form("reason"))
    except CaseNotFound:
        abort(404)
    except CaseFileError as error:
        key, status = REFUSALS.get(type(error), ("err.invalid", 400))
        return render_template("error.html", message=t(key), back=code), status
    return render_template("content.html", code=code, content=content)


@desk.post("/cases/<code>/callback")
@requires(COORDINATOR, OFFICER)
def call_back(code: str) -> Page:
    files, who = context().files, actor()
    return _change(
        code, "callback", lambda: files.request_call_back(who, code, reason=_form("reason"))
    )
