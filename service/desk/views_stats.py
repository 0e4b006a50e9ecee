"""Statistics pages (/desk/stats, /desk/stats.csv): coordinators, their provinces."""

from __future__ import annotations

from flask import render_template

from service.desk.blueprint import desk, requires
from service.desk.roles import COORDINATOR
from service.desk.views_cases import load_badge


@desk.get("/stats")
@requires(COORDINATOR)
def stats() -> str:
    load_badge()
    return render_template("stats.html")
