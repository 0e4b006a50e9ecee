"""The needs-structuring queue of free-text SMS (coordinators)."""

from __future__ import annotations

from flask import render_template

from service.desk.blueprint import desk, requires
from service.desk.roles import COORDINATOR


@desk.get("/structuring")
@requires(COORDINATOR)
def structuring() -> str:
    return render_template("structuring.html")
