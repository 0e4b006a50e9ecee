"""Statistics for the desk: counts that leave only after small-cell and complementary suppression.

The pages call `compute_statistics`, then render `Statistics` through `statistics_csv`,
`bar_chart_svg` and `table_rows`; nothing here reads sealed content (docs/statistics.md).
"""

from service.desk.stats.categories import (
    NOT_RECORDED,
    PERPETRATOR_GROUPS,
    REFERRAL_STATUSES,
    SUBTYPE_GROUPS,
    UNKNOWN_PROVINCE,
)
from service.desk.stats.charts import SUPPRESSED_KEY, TableRow, bar_chart_svg, table_rows
from service.desk.stats.compute import compute_statistics
from service.desk.stats.csv_export import statistics_csv
from service.desk.stats.model import Figure, Statistics, Table

__all__ = [
    "NOT_RECORDED",
    "PERPETRATOR_GROUPS",
    "REFERRAL_STATUSES",
    "SUBTYPE_GROUPS",
    "SUPPRESSED_KEY",
    "UNKNOWN_PROVINCE",
    "Figure",
    "Statistics",
    "Table",
    "TableRow",
    "bar_chart_svg",
    "compute_statistics",
    "statistics_csv",
    "table_rows",
]
