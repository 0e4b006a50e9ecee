"""The CSV and the SVG charts show exactly the published numbers, and nothing a CSP would block."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

from service.desk.stats import (
    Figure,
    Statistics,
    Table,
    bar_chart_svg,
    statistics_csv,
    table_rows,
)
from service.desk.stats.categories import month_code, month_starts

SVG = "{http://www.w3.org/2000/svg}"

BY_PROVINCE = Table(
    name="cases_by_province",
    dimensions=("province",),
    rows=((("sofala",), 12), (("tete",), None), (("gaza",), 0), (("manica",), None)),
)
CROSSTAB = Table(
    name="cases_by_province_and_subtype_group",
    dimensions=("province", "subtype_group"),
    rows=((("sofala", "rape"), 7), (("sofala", "physical_assault"), None)),
)
STATS = Statistics(
    provinces=None,
    first_month=date(2025, 7, 1),
    last_month=date(2026, 6, 1),
    tables=(BY_PROVINCE, CROSSTAB),
    figures=(
        Figure("cases_total", 19, False, "count"),
        Figure("median_hours_to_close", None, True, "hours"),
        Figure("median_hours_to_acknowledge", 2.5, False, "hours"),
    ),
)


def test_the_csv_is_tidy_one_row_per_number_with_suppressed_cells_marked() -> None:
    rows = list(csv.reader(io.StringIO(statistics_csv(STATS))))
    assert rows[0] == [
        "statistic", "month", "province", "subtype_group", "perpetrator_group",
        "referral_status", "count",
    ]  # fmt: skip
    assert rows[1] == ["cases_by_province", "", "sofala", "", "", "", "12"]
    assert rows[2] == ["cases_by_province", "", "tete", "", "", "", "suppressed"]
    assert rows[3][-1] == "0"
    assert rows[5] == [
        "cases_by_province_and_subtype_group", "", "sofala", "rape", "", "", "7",
    ]  # fmt: skip
    assert rows[7] == ["cases_total", "", "", "", "", "", "19"]
    assert rows[8][-1] == "suppressed" and rows[9][-1] == "2.5"
    assert len(rows) == 1 + 4 + 2 + 3


def test_a_chart_draws_a_bar_per_shown_count_and_only_a_word_for_a_suppressed_one() -> None:
    labels = {"sofala": "Sofala", "tete": "Tete", "suppressed": "suprimido"}
    svg = bar_chart_svg(BY_PROVINCE, labels, "Casos por província")
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check its shape
    bars = root.findall(f"{SVG}rect")[1:]
    assert [bar.get("fill") for bar in bars] == ["#2f5d8a", "#2f5d8a"]  # sofala 12, gaza 0
    assert float(bars[0].get("width", "0")) > 0 and float(bars[1].get("width", "1")) == 0
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert texts == [
        "Casos por província", "Sofala", "12", "Tete", "suprimido", "gaza", "0", "manica",
        "suprimido",
    ]  # fmt: skip
    assert root.find(f"{SVG}title") is not None
    for element in root.iter():
        assert "style" not in element.attrib
        assert not element.tag.endswith(("script", "style", "foreignObject"))


def test_labels_and_titles_are_escaped() -> None:
    svg = bar_chart_svg(BY_PROVINCE, {"sofala": "<b>&"}, 'a "title" <script>')
    assert "<script>" not in svg and "<b>" not in svg
    ET.fromstring(svg)  # noqa: S314 - well-formed despite the markup in the labels


def test_table_rows_translate_each_dimension_and_mark_suppression() -> None:
    rows = table_rows(CROSSTAB, {"sofala": "Sofala", "rape": "Violação", "suppressed": "—"})
    assert rows[0].labels == ("Sofala", "Violação") and rows[0].text == "7"
    assert rows[1].labels == ("Sofala", "physical_assault")
    assert rows[1].count is None and rows[1].text == "—"
    assert table_rows(BY_PROVINCE)[1].text == "suppressed"


def test_months_are_mozambican_calendar_months() -> None:
    from datetime import datetime

    # 23:30 UTC on 31 May is already 1 June in Maputo.
    starts = month_starts(datetime(2026, 5, 31, 23, 30))
    assert len(starts) == 13
    assert month_code(starts[-2]) == "2026-06" and month_code(starts[0]) == "2025-07"
    assert starts[-2] == datetime(2026, 5, 31, 22, 0)
