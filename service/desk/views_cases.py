"""The queue (/desk/cases) and the case page (/desk/cases/<code>) with its forms."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from flows.envelope import GBV_TYPES
from service.casework.vocab import CLOSURE_REASONS, PROVINCES, REFERRAL_OUTCOMES, REFERRAL_SERVICES
from service.desk import case_actions
from service.desk.blueprint import context, desk, requires, scope, t
from service.desk.case_actions import ActionRefused
from service.desk.case_lookup import find_case
from service.desk.case_view import case_details, mark_seen
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
    with ctx.sessions() as db:
        page = queue_page(
            db,
            the_scope,
            filters,
            staff_id=current_user.account_id,
            now=ctx.clock(),
            cipher=ctx.state_cipher,
        )
    provinces = [code for code in PROVINCES if the_scope.covers_province(code)]
    return render_template(
        "queue.html",
        page=page,
        filters=filters,
        provinces=provinces,
        statuses=STATUSES,
        subtypes=tuple(GBV_TYPES),
        perpetrators=tuple(PERPETRATOR_GROUPS),
        sorts=SORTS,
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@desk.get("/cases/<code>")
@requires(COORDINATOR, OFFICER)
def case_page(code: str) -> Page:
    ctx = context()
    with ctx.sessions.begin() as db:
        case = find_case(db, ctx.hasher, scope(), code)
        if case is None:
            abort(404)
        details = case_details(db, case, ctx.state_cipher, current_user.account_id, ctx.clock())
        mark_seen(db, case.id, current_user.account_id, ctx.clock())
    return render_template(
        "case.html",
        case=details,
        services=REFERRAL_SERVICES,
        outcomes=REFERRAL_OUTCOMES,
        reasons=CLOSURE_REASONS,
        message=t(request.args["m"]) if request.args.get("m") in _MESSAGES else None,
    )


_MESSAGES = frozenset({"done.referral", "done.outcome", "done.closed"})


def _act(code: str, action: str) -> Page:
    """Run one case action inside one transaction; a refusal changes nothing and says why."""
    ctx = context()
    form = request.form
    version = form.get("version", "")
    actor = f"staff:{current_user.account_id}"
    try:
        with ctx.sessions.begin() as db:
            case = find_case(db, ctx.hasher, scope(), code, lock=True)
            if case is None:
                abort(404)
            now = ctx.clock()
            if action == "refer":
                case_actions.refer(
                    db, case, service=form.get("service", ""), version=version, actor=actor, now=now
                )
            elif action == "outcome":
                number = form.get("number", "")
                if not number.isascii() or not number.isdigit() or len(number) > 4:
                    raise ActionRefused("err.outcome")
                case_actions.record_outcome(
                    db,
                    case,
                    number=int(number),
                    outcome=form.get("outcome", ""),
                    version=version,
                    actor=actor,
                    now=now,
                )
            else:
                case_actions.close(
                    db, case, reason=form.get("reason", ""), version=version, actor=actor, now=now
                )
    except ActionRefused as refused:
        return render_template("error.html", message=t(str(refused)), back=code), 409
    done = {"refer": "done.referral", "outcome": "done.outcome", "close": "done.closed"}
    return redirect(url_for("desk.case_page", code=code, m=done[action]))


@desk.post("/cases/<code>/referrals")
@requires(COORDINATOR, OFFICER)
def add_referral(code: str) -> Page:
    return _act(code, "refer")


@desk.post("/cases/<code>/referrals/outcome")
@requires(COORDINATOR, OFFICER)
def referral_outcome(code: str) -> Page:
    return _act(code, "outcome")


@desk.post("/cases/<code>/close")
@requires(COORDINATOR, OFFICER)
def close_case(code: str) -> Page:
    return _act(code, "close")


@desk.get("/find")
@requires(COORDINATOR, OFFICER)
def find() -> Page:
    """Open a case by a typed code (spaces and dashes allowed)."""
    from service.desk.case_lookup import normalise_code

    code = normalise_code(request.args.get("code", "")[:40])
    if code is None:
        return render_template("error.html", message=t("err.not_found")), 404
    return redirect(url_for("desk.case_page", code=code))
