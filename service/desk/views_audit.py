"""The auditor's page: the audit log, ids and action codes only, never case content."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, select

from service.desk.blueprint import context, desk, requires, t
from service.desk.roles import AUDITOR
from service.storage.casework_models import AuditEntry

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
        total = int(db.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        entries = db.scalars(
            select(AuditEntry)
            .order_by(AuditEntry.id.desc())
            .offset((page - 1) * AUDIT_PAGE)
            .limit(AUDIT_PAGE)
        ).all()
    pages = max(1, -(-total // AUDIT_PAGE))
    return render_template("audit.html", entries=entries, page=page, pages=pages, total=total)
