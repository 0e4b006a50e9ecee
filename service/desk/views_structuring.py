"""The needs-structuring queue of free-text SMS (coordinators)."""

from __future__ import annotations

from flask import render_template

from service.desk.blueprint import desk, requires
from service.desk.roles import COORDINATOR
from service.desk.views_cases import load_badge


@desk.get("/structuring")
@requires(COORDINATOR)
def structuring() -> str:
    load_badge()
    return render_template("structuring.html")
