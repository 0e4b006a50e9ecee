"""Statistics pages (/desk/stats, /desk/stats.csv): coordinators, their provinces."""

from __future__ import annotations

from flask import render_template

from service.desk.blueprint import desk, requires
from service.desk.roles import COORDINATOR


@desk.get("/stats")
@requires(COORDINATOR)
def stats() -> str:
    return render_template("stats.html")
