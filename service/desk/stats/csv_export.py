"""The statistics as one tidy CSV: one row per published number, suppressed ones so marked."""

from __future__ import annotations

import csv
import io

from service.desk.stats.model import Statistics

SUPPRESSED = "suppressed"
# Every dimension any table has, in a fixed order; a row leaves the others empty.
DIMENSION_COLUMNS = ("month", "province", "subtype_group", "perpetrator_group", "referral_status")


def statistics_csv(stats: Statistics) -> str:
    """Return the CSV text: statistic, the dimension columns, then `count`.

    Codes, not translated labels, so a spreadsheet can join files from both languages. Single
    figures (totals, medians, shares) are rows with every dimension empty.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("statistic", *DIMENSION_COLUMNS, "count"))
    for table in stats.tables:
        for values, count in table.rows:
            by_dimension = dict(zip(table.dimensions, values, strict=True))
            writer.writerow(
                (
                    table.name,
                    *(by_dimension.get(column, "") for column in DIMENSION_COLUMNS),
                    SUPPRESSED if count is None else count,
                )
            )
    for figure in stats.figures:
        value = SUPPRESSED if figure.value is None else figure.value
        writer.writerow((figure.name, *("" for _ in DIMENSION_COLUMNS), value))
    return out.getvalue()
