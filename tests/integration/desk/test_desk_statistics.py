"""Statistics on real PostgreSQL: the figures from seeded rows, and what suppression hides."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Hashable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from service.desk.stats import (
    Statistics,
    bar_chart_svg,
    compute_statistics,
    statistics_csv,
    table_rows,
)
from tests.integration.desk.conftest import Seeder
from tests.support.disclosure_oracle import SumRule, feasible_ranges

NOW = datetime(2026, 6, 15, 12, 0)
MAY = datetime(2026, 5, 10, 9, 0)
APRIL = datetime(2026, 4, 3, 9, 0)


def compute(sessions: sessionmaker[Session], provinces: frozenset[str] | None) -> Statistics:
    with sessions() as db:
        return compute_statistics(db, provinces=provinces, now=NOW)


def test_counts_by_month_province_group_and_perpetrator_come_from_the_rows(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as db:
        seed = Seeder(db)
        seed.many(6, at=MAY, province="sofala", subtype="beating", perpetrator="client")
        seed.many(7, at=APRIL, province="sofala", subtype="rape", perpetrator="police_on_duty")
        seed.many(5, at=APRIL, province="manica", subtype="rape", perpetrator="police_off_duty")
        seed.many(8, at=MAY, province="manica", subtype="threats", perpetrator="partner")
        # Outside the twelve months shown, or never a real case: left out of every figure.
        seed.many(9, at=datetime(2025, 6, 1), province="sofala")
        seed.many(9, at=MAY, province="sofala", closed_after=timedelta(hours=1),
                  closure_reason="duplicate")  # fmt: skip

    stats = compute(sessions, None)
    assert stats.figure("cases_total").value == 26
    assert stats.first_month.isoformat() == "2025-07-01"
    assert stats.last_month.isoformat() == "2026-06-01"
    by_month = stats.table("cases_by_month")
    assert by_month.count("2026-05") == 14 and by_month.count("2026-04") == 12
    assert by_month.count("2026-06") == 0 and len(by_month.rows) == 12
    assert stats.table("cases_by_province").count("sofala") == 13
    assert stats.table("cases_by_province").count("manica") == 13
    assert stats.table("cases_by_province").count("unknown") == 0
    assert stats.table("cases_by_subtype_group").count("rape") == 12
    perpetrators = stats.table("cases_by_perpetrator_group")
    assert perpetrators.count("police_security_forces") == 12
    assert perpetrators.count("partner") == 8 and perpetrators.count("client") == 6
    crosstab = stats.table("cases_by_province_and_subtype_group")
    assert crosstab.count("sofala", "rape") == 7 and crosstab.count("manica", "rape") == 5

    coordinator = compute(sessions, frozenset({"manica"}))
    assert coordinator.figure("cases_total").value == 13
    assert [values for values, _ in coordinator.table("cases_by_province").rows] == [("manica",)]


def test_medians_shares_referrals_and_undelivered_sms(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as db:
        seed = Seeder(db)
        for hours in (1, 2, 3, 4, 50):
            seed.case(
                at=MAY,
                acknowledged_after=timedelta(hours=hours),
                closed_after=timedelta(hours=10 * hours),
            )
        # Sexual violence inside the 72 hours: 6, of which 3 were referred for health care.
        for referred in (True, True, True, False, False, False):
            seed.case(
                at=MAY,
                subtype="rape",
                pep_window=True,
                referrals=(("health", "accepted"),) if referred else (("legal", "declined"),),
            )
        seed.case(at=MAY, referrals=(("psychosocial", "service_received"),) * 6,
                  undelivered_sms=7)  # fmt: skip

    stats = compute(sessions, None)
    assert stats.figure("median_hours_to_acknowledge").value == 3.0
    assert stats.figure("median_hours_to_close").value == 30.0
    assert stats.figure("sexual_violence_72h_referred_for_health_percent").value == 50
    referrals = stats.table("referrals_by_outcome")
    assert referrals.count("service_received") == 6
    assert referrals.count("proposed") == 0
    # Accepted 3 and declined 3 are below 5: both withheld, each hiding the other.
    assert referrals.count("accepted") is None and referrals.count("declined") is None
    assert stats.figure("referrals_total").value == 12
    assert stats.figure("sms_undelivered").value == 7


def test_medians_and_shares_on_a_base_below_five_are_withheld(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as db:
        seed = Seeder(db)
        seed.many(4, at=MAY, acknowledged_after=timedelta(hours=2),
                  closed_after=timedelta(hours=5), subtype="rape", pep_window=True,
                  referrals=(("health", "accepted"),), undelivered_sms=1)  # fmt: skip
        seed.many(20, at=MAY)
    stats = compute(sessions, None)
    for name in (
        "median_hours_to_acknowledge",
        "median_hours_to_close",
        "sexual_violence_72h_referred_for_health_percent",
        "referrals_total",
        "sms_undelivered",
    ):
        assert stats.figure(name).value is None and stats.figure(name).suppressed, name


def published_from_csv(text: str) -> dict[Hashable, int | None]:
    """Every number the CSV shows, keyed by (statistic, dimension values)."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header[0] == "statistic" and header[-1] == "count"
    shown: dict[Hashable, int | None] = {}
    for row in body:
        key = (row[0], *[value for value in row[1:-1] if value])
        shown[key] = None if row[-1] == "suppressed" else int(float(row[-1]))
    return shown


def test_three_cases_of_one_type_in_one_province_cannot_be_read_from_any_table_csv_or_chart(
    sessions: sessionmaker[Session],
) -> None:
    provinces = ("sofala", "manica", "tete", "gaza")
    groups = ("beating", "threats", "rape")
    with sessions.begin() as db:
        seed = Seeder(db)
        for p_index, province in enumerate(provinces):
            for g_index, subtype in enumerate(groups):
                seed.many(6 + p_index + 2 * g_index, at=MAY, province=province, subtype=subtype)
        # The small cell: Tete has 3 cases of the sexual-assault group.
        seed.many(3, at=APRIL, province="tete", subtype="touching", perpetrator="stranger")

    stats = compute(sessions, None)
    text = statistics_csv(stats)
    shown = published_from_csv(text)
    secret = ("cases_by_province_and_subtype_group", "tete", "sexual_assault")
    assert shown[secret] is None
    assert not re.search(r"(^|,)3\r?$", text, flags=re.MULTILINE), "no row of the CSV reads 3"

    # The attacker: every cell the CSV shows, every sum that ties the tables together.
    values = true_values(sessions)
    withheld = {key for key, count in shown.items() if count is None}
    for key, count in shown.items():
        if count is not None:
            assert values.get(key, count) == count, key
    ranges = feasible_ranges(values, withheld, linking_rules(stats))
    assert secret in ranges
    for key, (low, high) in ranges.items():
        assert high > low, f"{key} is pinned to {low}"

    # The charts draw exactly what the tables publish: no bar, no number for a withheld row.
    for table in stats.tables:
        labels = {"suppressed": "suprimido"}
        svg = bar_chart_svg(table, labels, table.name)
        assert "<script" not in svg and "<style" not in svg and not re.search(r"\sstyle=", svg)
        drawn = re.findall(r">(\d+|suprimido)</text>", svg)
        assert drawn == [row.text for row in table_rows(table, labels)]
        assert svg.count("<rect") == 1 + sum(count is not None for _, count in table.rows)


def true_values(sessions: sessionmaker[Session]) -> dict[Hashable, int]:
    """The unsuppressed counts, taken from a national computation with a huge threshold off."""
    from service.desk.stats import compute as compute_module
    from service.desk.stats.suppression import LinkedMask, suppress_linked

    def reveal(cells: list[list[int]], lines: list[list[int]]) -> LinkedMask:
        mask = suppress_linked(cells, lines)
        clear = LinkedMask(
            crosstab=type(mask.crosstab)(
                cells=tuple(tuple(False for _ in row) for row in mask.crosstab.cells),
                row_totals=tuple(False for _ in mask.crosstab.row_totals),
                column_totals=tuple(False for _ in mask.crosstab.column_totals),
                grand_total=False,
            ),
            lines=tuple(tuple(False for _ in line) for line in mask.lines),
        )
        return clear

    original = compute_module.suppress_linked
    compute_module.suppress_linked = reveal  # type: ignore[assignment]
    try:
        clear = compute(sessions, None)
    finally:
        compute_module.suppress_linked = original
    values = published_from_csv(statistics_csv(clear))
    return {key: count for key, count in values.items() if count is not None}


def linking_rules(stats: Statistics) -> list[SumRule]:
    """Every sum an attacker knows: each one-way table and each crosstab line adds up."""
    total = ("cases_total",)
    rules: list[SumRule] = []
    for name in ("cases_by_month", "cases_by_province", "cases_by_subtype_group",
                 "cases_by_perpetrator_group"):  # fmt: skip
        table = stats.table(name)
        rules.append(SumRule(total, tuple((name, *values) for values, _ in table.rows)))
    crosstab = stats.table("cases_by_province_and_subtype_group")
    provinces = dict.fromkeys(values[0] for values, _ in crosstab.rows)
    groups = dict.fromkeys(values[1] for values, _ in crosstab.rows)
    cell = "cases_by_province_and_subtype_group"
    for province in provinces:
        parts = tuple((cell, province, group) for group in groups)
        rules.append(SumRule(("cases_by_province", province), parts))
    for group in groups:
        parts = tuple((cell, province, group) for province in provinces)
        rules.append(SumRule(("cases_by_subtype_group", group), parts))
    return rules


def test_a_scope_with_no_province_shows_empty_tables_and_zeros(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as db:
        Seeder(db).many(6, at=MAY, province="sofala")
    stats = compute(sessions, frozenset())
    assert stats.figure("cases_total").value == 0
    assert stats.table("cases_by_province").rows == ()
    assert stats.table("cases_by_province_and_subtype_group").rows == ()
    assert all(count == 0 for _, count in stats.table("cases_by_month").rows)
