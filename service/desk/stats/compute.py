"""Compute one scope's statistics and apply disclosure control before anything leaves."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from service.desk.stats.categories import (
    PERPETRATOR_GROUPS,
    REFERRAL_STATUSES,
    SUBTYPE_GROUPS,
    UNKNOWN_PROVINCE,
    month_code,
    month_starts,
    perpetrator_group,
    scope_provinces,
    subtype_group,
)
from service.desk.stats.model import Figure, Statistics, Table, Unit
from service.desk.stats.queries import (
    Scope,
    case_groups,
    hours_to_acknowledge,
    hours_to_close,
    pep_window_referrals,
    referral_statuses,
    undelivered_sms,
)
from service.desk.stats.suppression import THRESHOLD, is_primary, suppress_line, suppress_linked


def compute_statistics(
    db: Session, *, provinces: frozenset[str] | None, now: datetime
) -> Statistics:
    """Return the suppressed tables and figures of a scope (None: national) up to `now`."""
    months = month_starts(now)
    scope = Scope(start=months[0], end=months[-1], provinces=provinces)
    rows = scope_provinces(provinces)
    tables, cases_total = _case_tables(db, scope, months, rows)
    referrals, referrals_total = _referral_table(db, scope)
    base, referred = pep_window_referrals(db, scope)
    figures = (
        cases_total,
        referrals_total,
        _count_figure("sms_undelivered", undelivered_sms(db, scope)),
        _median_figure("median_hours_to_acknowledge", hours_to_acknowledge(db, scope)),
        _median_figure("median_hours_to_close", hours_to_close(db, scope)),
        _share_figure("sexual_violence_72h_referred_for_health_percent", referred, base),
    )
    return Statistics(
        provinces=provinces,
        first_month=date.fromisoformat(month_code(months[0]) + "-01"),
        last_month=date.fromisoformat(month_code(months[-2]) + "-01"),
        tables=(*tables, referrals),
        figures=figures,
    )


@dataclass(frozen=True)
class _CaseCounts:
    """The counts before suppression: the cross-table and the two one-way tables."""

    month_codes: tuple[str, ...]
    cells: list[list[int]]
    by_month: list[int]
    by_perpetrator: list[int]


def _count_cases(
    db: Session, scope: Scope, months: Sequence[datetime], rows: Sequence[str]
) -> _CaseCounts:
    month_codes = tuple(month_code(start) for start in months[:-1])
    crosstab = {(p, g): 0 for p in rows for g in SUBTYPE_GROUPS}
    by_month = dict.fromkeys(month_codes, 0)
    by_perpetrator = dict.fromkeys(PERPETRATOR_GROUPS, 0)
    for group in case_groups(db, scope, months):
        key = (group.province or UNKNOWN_PROVINCE, subtype_group(group.gbv_type))
        if key not in crosstab:
            # A province code no row shows: left out of every table alike, so they still agree.
            continue
        crosstab[key] += sum(group.per_month)
        by_perpetrator[perpetrator_group(group.perpetrator)] += sum(group.per_month)
        for code, in_month in zip(month_codes, group.per_month, strict=True):
            by_month[code] += in_month
    # A scope with no province (an account given none) has no cases; one row of zeros keeps
    # the shapes, and zeros hide nothing.
    cells = [[crosstab[(p, g)] for g in SUBTYPE_GROUPS] for p in rows]
    return _CaseCounts(
        month_codes,
        cells or [[0] * len(SUBTYPE_GROUPS)],
        list(by_month.values()),
        list(by_perpetrator.values()),
    )


def _case_tables(
    db: Session, scope: Scope, months: Sequence[datetime], rows: Sequence[str]
) -> tuple[tuple[Table, ...], Figure]:
    counts = _count_cases(db, scope, months, rows)
    cells = counts.cells
    mask = suppress_linked(cells, [counts.by_month, counts.by_perpetrator])
    columns = range(len(SUBTYPE_GROUPS))
    tables = (
        _line_table("cases_by_month", "month", counts.month_codes, counts.by_month, mask.lines[0]),
        _line_table(
            "cases_by_province",
            "province",
            rows,
            [sum(row) for row in cells][: len(rows)],
            mask.crosstab.row_totals[: len(rows)],
        ),
        _line_table(
            "cases_by_subtype_group",
            "subtype_group",
            SUBTYPE_GROUPS,
            [sum(row[j] for row in cells) for j in columns],
            mask.crosstab.column_totals,
        ),
        _line_table(
            "cases_by_perpetrator_group",
            "perpetrator_group",
            PERPETRATOR_GROUPS,
            counts.by_perpetrator,
            mask.lines[1],
        ),
        Table(
            name="cases_by_province_and_subtype_group",
            dimensions=("province", "subtype_group"),
            rows=tuple(
                ((p, g), None if mask.crosstab.cells[i][j] else cells[i][j])
                for i, p in enumerate(rows)
                for j, g in enumerate(SUBTYPE_GROUPS)
            ),
        ),
    )
    hidden = mask.crosstab.grand_total
    total = Figure("cases_total", None if hidden else sum(map(sum, cells)), hidden, "count")
    return tables, total


def _referral_table(db: Session, scope: Scope) -> tuple[Table, Figure]:
    found = referral_statuses(db, scope)
    counts = [found.get(status, 0) for status in REFERRAL_STATUSES]
    total = sum(counts)
    hidden_total = is_primary(total)
    mask = suppress_line(counts, total_published=not hidden_total)
    table = _line_table("referrals_by_outcome", "referral_status", REFERRAL_STATUSES, counts, mask)
    return table, Figure("referrals_total", None if hidden_total else total, hidden_total, "count")


def _line_table(
    name: str,
    dimension: str,
    codes: Sequence[str],
    counts: Sequence[int],
    hidden: Sequence[bool],
) -> Table:
    return Table(
        name=name,
        dimensions=(dimension,),
        rows=tuple(
            ((code,), None if withheld else count)
            for code, count, withheld in zip(codes, counts, hidden, strict=True)
        ),
    )


def _count_figure(name: str, count: int) -> Figure:
    hidden = is_primary(count)
    return Figure(name, None if hidden else count, hidden, "count")


def _median_figure(name: str, hours: Sequence[float]) -> Figure:
    if len(hours) < THRESHOLD:
        return Figure(name, None, True, "hours")
    return Figure(name, round(statistics.median(hours), 1), False, "hours")


def _share_figure(name: str, part: int, base: int, unit: Unit = "percent") -> Figure:
    if base < THRESHOLD:
        return Figure(name, None, True, unit)
    return Figure(name, round(100 * part / base), False, unit)
