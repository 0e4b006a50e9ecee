"""Statistics (/desk/stats, /desk/stats.csv, the charts as SVG images): coordinators only.

Every number comes from service/desk/stats, already through small-cell and complementary
suppression; the pages only translate codes and lay the figures out. Scope: the coordinator's
provinces (national coordinators: everything).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, abort, g, render_template
from flask_login import current_user

from service.casework.audit import record_event
from service.casework.vocab import PROVINCES
from service.desk.blueprint import context, desk, requires, scope, t
from service.desk.i18n import texts
from service.desk.roles import COORDINATOR
from service.desk.stats import (
    SUPPRESSED_KEY,
    UNKNOWN_PROVINCE,
    Statistics,
    bar_chart_svg,
    compute_statistics,
    statistics_csv,
    table_rows,
)

# The one-way tables drawn as charts, in page order; the cross-table is shown as a table.
CHARTS = (
    "cases_by_month",
    "cases_by_province",
    "cases_by_subtype_group",
    "cases_by_perpetrator_group",
    "referrals_by_outcome",
)
CROSS_TABLE = "cases_by_province_and_subtype_group"


def _statistics() -> Statistics:
    ctx = context()
    with ctx.sessions() as db:
        return compute_statistics(db, provinces=scope().provinces, now=ctx.clock())


def labels() -> Mapping[str, str]:
    """Codes to words in the staff member's language: provinces, groups, statuses, months."""
    words = dict(PROVINCES)
    words[UNKNOWN_PROVINCE] = t("province.unknown")
    words[SUPPRESSED_KEY] = t("stats.suppressed")
    every = texts(getattr(g, "lang", "pt"))
    for prefix in ("stats.group.", "perpetrator.", "referral."):
        words.update(
            {
                key.removeprefix(prefix): text
                for key, text in every.items()
                if key.startswith(prefix)
            }
        )
    return words


@desk.get("/stats")
@requires(COORDINATOR)
def stats() -> str:
    statistics = _statistics()
    words = labels()
    charts = [
        (name, t("stats.table." + name), table_rows(statistics.table(name), words))
        for name in CHARTS
    ]
    cross = statistics.table(CROSS_TABLE)
    return render_template(
        "stats.html",
        statistics=statistics,
        charts=charts,
        cross_rows=table_rows(cross, words),
        cross_dimensions=cross.dimensions,
        words=words,
    )


@desk.get("/stats/<name>.svg")
@requires(COORDINATOR)
def stats_chart(name: str) -> Response:
    if name not in CHARTS:
        abort(404)
    svg = bar_chart_svg(_statistics().table(name), labels(), t("stats.table." + name))
    return Response(svg, mimetype="image/svg+xml")


@desk.get("/stats.csv")
@requires(COORDINATOR)
def stats_csv() -> Response:
    """The tidy CSV download; every export is audited."""
    body = statistics_csv(_statistics())
    ctx = context()
    with ctx.sessions.begin() as db:
        record_event(
            db,
            at=ctx.clock(),
            actor=f"staff:{current_user.account_id}",
            action="export",
            detail="stats.csv",
        )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="handsoff-statistics.csv"'},
    )
