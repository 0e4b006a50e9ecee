"""Bar charts drawn on the server as SVG, and the same rows for an accessible table beside them.

The SVG has no script, no style element and no style attribute (a strict Content-Security-Policy
without 'unsafe-inline' blocks both): only presentation attributes such as fill=. A suppressed
row gets no bar at all, only the word for "suppressed", so its length can hint at nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from service.desk.stats.model import Table

SUPPRESSED_KEY = "suppressed"
WIDTH = 640
LABEL_WIDTH = 220
COUNT_WIDTH = 90
BAR_HEIGHT = 20
ROW_GAP = 8
TOP = 40
BAR_COLOUR = "#2f5d8a"
TEXT_COLOUR = "#1a1a1a"
MUTED_COLOUR = "#5c5c5c"


@dataclass(frozen=True)
class TableRow:
    """One row of the accessible table: translated dimension labels and the text of the count."""

    labels: tuple[str, ...]
    count: int | None
    text: str


def table_rows(table: Table, labels: Mapping[str, str] | None = None) -> tuple[TableRow, ...]:
    """Return the table's rows with codes translated through `labels` (codes kept if missing)."""
    names = labels or {}
    suppressed = names.get(SUPPRESSED_KEY, SUPPRESSED_KEY)
    return tuple(
        TableRow(
            labels=tuple(names.get(value, value) for value in values),
            count=count,
            text=suppressed if count is None else str(count),
        )
        for values, count in table.rows
    )


def bar_chart_svg(table: Table, labels: Mapping[str, str], title: str) -> str:
    """Return a horizontal bar chart of a table as SVG text; `labels` may hold "suppressed"."""
    rows = table_rows(table, labels)
    height = TOP + len(rows) * (BAR_HEIGHT + ROW_GAP) + ROW_GAP
    largest = max((row.count for row in rows if row.count is not None), default=0)
    scale = (WIDTH - LABEL_WIDTH - COUNT_WIDTH) / largest if largest else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="24" font-family="sans-serif" font-size="16" font-weight="bold" '
        f'fill="{TEXT_COLOUR}">{escape(title)}</text>',
    ]
    for index, row in enumerate(rows):
        top = TOP + index * (BAR_HEIGHT + ROW_GAP)
        baseline = top + BAR_HEIGHT - 5
        parts.append(_text(LABEL_WIDTH - 8, baseline, " / ".join(row.labels), anchor="end"))
        if row.count is None:
            parts.append(_text(LABEL_WIDTH + 4, baseline, row.text, italic=True))
            continue
        length = round(row.count * scale, 1)
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{top}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_COLOUR}"/>'
        )
        parts.append(_text(LABEL_WIDTH + length + 6, baseline, row.text))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _text(x: float, y: float, content: str, *, anchor: str = "start", italic: bool = False) -> str:
    colour = MUTED_COLOUR if italic else TEXT_COLOUR
    slant = ' font-style="italic"' if italic else ""
    return (
        f'<text x="{x}" y="{y}" font-family="sans-serif" font-size="13" '
        f"text-anchor={quoteattr(anchor)} fill={quoteattr(colour)}{slant}>{escape(content)}</text>"
    )
