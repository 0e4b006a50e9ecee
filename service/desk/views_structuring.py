"""The needs-structuring queue of free-text SMS (coordinators): open (audited), structure, drop."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from service.casework.vocab import DISCARD_REASONS, DISCLOSURE_REASONS
from service.desk.blueprint import actor, context, desk, requires, t
from service.desk.casefile import CaseFileError, ItemNotFound
from service.desk.casefile.structuring import HELP_FIELDS, REPORT_FIELDS
from service.desk.roles import COORDINATOR
from service.desk.views_cases import REFUSALS

Page = str | tuple[str, int] | BaseResponse
# The order the USSD menus ask in, per kind, with the values offered for each.
FIELD_ORDER = {
    "report": ("what", "danger", "when", "who", "province", "help", "contact", "police_ok"),
    "help": ("help", "province", "contact"),
}
FIELDS = {"report": REPORT_FIELDS, "help": HELP_FIELDS}
LABEL_PREFIX = {
    "what": "subtype.",
    "who": "who.",
    "help": "help.",
    "contact": "contact.",
    "danger": "",
    "police_ok": "",
    "when": "when.",
}


def _refused(error: CaseFileError) -> tuple[str, int]:
    key, status = REFUSALS.get(type(error), ("err.invalid", 400))
    return render_template("error.html", message=t(key)), status


@desk.get("/structuring")
@requires(COORDINATOR)
def structuring() -> Page:
    waiting = context().files.waiting_messages(actor())
    return render_template("structuring.html", waiting=waiting, reasons=DISCLOSURE_REASONS)


@desk.post("/structuring/<int:item_id>/open")
@requires(COORDINATOR)
def open_message(item_id: int) -> Page:
    """The message's text, once, after the reason is written to the audit log."""
    try:
        message = context().files.open_message(
            actor(), item_id, reason=request.form.get("reason", "")[:64]
        )
    except ItemNotFound:
        abort(404)
    except CaseFileError as error:
        return _refused(error)
    forms = {
        kind: [(name, sorted(FIELDS[kind][name]), LABEL_PREFIX.get(name)) for name in names]
        for kind, names in FIELD_ORDER.items()
    }
    return render_template(
        "structuring_item.html", message=message, forms=forms, discard_reasons=DISCARD_REASONS
    )


@desk.post("/structuring/<int:item_id>/structure")
@requires(COORDINATOR)
def structure_message(item_id: int) -> Page:
    """Turn the message into a case with the same envelope and sealing as USSD intake."""
    kind = request.form.get("kind", "")
    if kind not in FIELD_ORDER:
        return render_template("error.html", message=t("err.invalid")), 400
    answers = {name: request.form.get(name, "")[:64] for name in FIELD_ORDER[kind]}
    try:
        made = context().files.structure_message(actor(), item_id, kind=kind, answers=answers)
    except ItemNotFound:
        abort(404)
    except CaseFileError as error:
        return _refused(error)
    return redirect(url_for("desk.case_page", code=made.code))


@desk.post("/structuring/<int:item_id>/discard")
@requires(COORDINATOR)
def discard_message(item_id: int) -> Page:
    try:
        context().files.discard_message(
            actor(), item_id, reason=request.form.get("reason", "")[:64]
        )
    except ItemNotFound:
        abort(404)
    except CaseFileError as error:
        return _refused(error)
    return redirect(url_for("desk.structuring"))
