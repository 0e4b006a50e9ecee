"""The auditor's page: the audit log, ids and action codes only, never case content."""

from __future__ import annotations

from flask import render_template, request

from service.casework.audit import count_audit_entries, list_audit_entries
from service.desk.blueprint import context, desk, requires, t
from service.desk.roles import AUDITOR

AUDIT_PAGE = 100


@desk.get("/audit")
@requires(AUDITOR)
def audit() -> str | tuple[str, int]:
    raw = request.args.get("page") or "1"
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        return render_template("error.html", message=t("err.page")), 400
    page = int(raw)
    ctx = context()
    with ctx.sessions() as db:
        total = count_audit_entries(db)
        entries = list_audit_entries(db, offset=(page - 1) * AUDIT_PAGE, limit=AUDIT_PAGE)
    pages = max(1, -(-total // AUDIT_PAGE))
    return render_template("audit.html", entries=entries, page=page, pages=pages, total=total)
