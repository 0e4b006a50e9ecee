"""Small-cell and complementary suppression: no withheld cell can be solved from what is shown."""

from __future__ import annotations

from collections.abc import Hashable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.desk.stats.suppression import (
    suppress_crosstab,
    suppress_line,
    suppress_linked,
)
from tests.support.disclosure_oracle import SumRule, crosstab_rules, feasible_ranges

# Counts skewed small, so most tables have cells to withhold and zeros beside them.
small_counts = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def crosstabs(draw: st.DrawFn) -> list[list[int]]:
    rows = draw(st.integers(1, 5))
    columns = draw(st.integers(1 if rows > 1 else 2, 5))
    return [[draw(small_counts) for _ in range(columns)] for _ in range(rows)]


def linked_values(cells: list[list[int]], lines: list[list[int]]) -> dict[Hashable, int]:
    values: dict[Hashable, int] = {}
    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            values[("x", i, j)] = value
        values[("row", i)] = sum(row)
    for j in range(len(cells[0])):
        values[("col", j)] = sum(row[j] for row in cells)
    values["total"] = sum(map(sum, cells))
    for k, line in enumerate(lines):
        for j, value in enumerate(line):
            values[("line", k, j)] = value
    return values


def withheld_names(cells: list[list[int]], lines: list[list[int]]) -> set[Hashable]:
    mask = suppress_linked(cells, lines)
    names: set[Hashable] = set()
    for i, row in enumerate(mask.crosstab.cells):
        names |= {("x", i, j) for j, hidden in enumerate(row) if hidden}
    names |= {("row", i) for i, hidden in enumerate(mask.crosstab.row_totals) if hidden}
    names |= {("col", j) for j, hidden in enumerate(mask.crosstab.column_totals) if hidden}
    if mask.crosstab.grand_total:
        names.add("total")
    for k, line in enumerate(mask.lines):
        names |= {("line", k, j) for j, hidden in enumerate(line) if hidden}
    return names


def assert_nothing_pinned(cells: list[list[int]], lines: list[list[int]]) -> set[Hashable]:
    values = linked_values(cells, lines)
    withheld = withheld_names(cells, lines)
    rules = crosstab_rules(len(cells), len(cells[0]), line_lengths=[len(line) for line in lines])
    ranges = feasible_ranges(values, withheld, rules)
    for name, (low, high) in ranges.items():
        assert low <= values[name] <= high, (name, low, high)
        assert high > low, f"{name} is pinned to {low}"
    return withheld


@st.composite
def lines_summing_to(draw: st.DrawFn, total: int) -> list[int]:
    length = draw(st.integers(2, 6))
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=length - 1, max_size=length - 1)))
    edges = [0, *cuts, total]
    return [edges[k + 1] - edges[k] for k in range(length)]


@settings(max_examples=150, deadline=None)
@given(crosstabs())
def test_no_withheld_cell_of_a_crosstab_can_be_solved_from_its_totals(
    cells: list[list[int]],
) -> None:
    withheld = assert_nothing_pinned(cells, [])
    values = linked_values(cells, [])
    # Every count from 1 to 4 is withheld, wherever it stands.
    assert {name for name, value in values.items() if 0 < value < 5} <= withheld


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_no_withheld_cell_can_be_solved_across_tables_that_share_the_grand_total(
    data: st.DataObject,
) -> None:
    cells = data.draw(crosstabs())
    total = sum(map(sum, cells))
    lines = [data.draw(lines_summing_to(total)) for _ in range(data.draw(st.integers(1, 2)))]
    assert_nothing_pinned(cells, lines)


@settings(max_examples=150, deadline=None)
@given(st.lists(small_counts, min_size=2, max_size=8))
def test_a_one_way_table_never_shows_a_lone_withheld_part(parts: list[int]) -> None:
    mask = suppress_line(parts)
    values = {("p", j): value for j, value in enumerate(parts)} | {"total": sum(parts)}
    withheld = {("p", j) for j, hidden in enumerate(mask) if hidden}
    rule = SumRule("total", tuple(("p", j) for j in range(len(parts))))
    for name, (low, high) in feasible_ranges(values, withheld, [rule]).items():
        assert high > low, name


def test_a_lone_small_cell_gets_a_partner_in_its_row_and_its_column() -> None:
    # Province 0 has 3 cases of group 0; the rest are large.
    cells = [[3, 20, 30], [40, 50, 60], [70, 80, 90]]
    mask = suppress_crosstab(cells)
    assert mask.cells[0][0]
    hidden_in_row = sum(mask.cells[0]) + mask.row_totals[0]
    hidden_in_column = sum(row[0] for row in mask.cells) + mask.column_totals[0]
    assert hidden_in_row >= 2
    assert hidden_in_column >= 2
    # The cheapest cover is the rectangle through the smallest neighbours: 20 and 40, then 50.
    assert mask.cells == ((True, True, False), (True, True, False), (False, False, False))
    assert not any(mask.row_totals) and not any(mask.column_totals)


def test_a_row_holding_only_a_small_count_hides_its_total_and_another_rows() -> None:
    cells = [[3, 0, 0], [10, 12, 7], [8, 9, 11]]
    mask = suppress_crosstab(cells)
    assert mask.cells[0][0] and mask.row_totals[0]
    assert_nothing_pinned(cells, [])


def test_zeros_are_shown_and_a_line_of_zeros_hides_nothing() -> None:
    assert suppress_line([0, 0, 0]) == (False, False, False)
    assert suppress_line([0, 12, 9]) == (False, False, False)


def test_a_small_grand_total_hides_every_linked_count() -> None:
    mask = suppress_linked([[1, 0], [2, 1]], [[4, 0], [0, 0, 4]])
    assert mask.crosstab.grand_total
    assert all(all(row) for row in mask.crosstab.cells)
    assert all(all(line) for line in mask.lines)


def test_a_one_way_table_protects_a_small_part_with_the_smallest_other_part() -> None:
    assert suppress_line([2, 30, 7, 9]) == (True, False, True, False)


def test_linked_tables_must_count_the_same_cases() -> None:
    with pytest.raises(ValueError, match="same cases"):
        suppress_linked([[5, 6]], [[1, 2]])


def test_negative_or_fractional_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        suppress_line([1, -1])
    with pytest.raises(ValueError):
        suppress_crosstab([[1, 2.5]])  # type: ignore[list-item]


@pytest.mark.parametrize("seed", range(3))
def test_tables_of_the_real_shape_with_many_small_cells_leave_nothing_pinned(seed: int) -> None:
    import random

    # 12 province rows (11 and `unknown`) by 9 groups, sparse as a quiet year would make them.
    draw = random.Random(seed)
    cells = [[draw.choice([0, 0, 0, 1, 2, 3, 4, 6, 9, 15]) for _ in range(9)] for _ in range(12)]
    total = sum(map(sum, cells))
    months = [0] * 12
    perpetrators = [0] * 8
    for _ in range(total):
        months[draw.randrange(12)] += 1
        perpetrators[draw.randrange(8)] += 1
    withheld = assert_nothing_pinned(cells, [months, perpetrators])
    assert len(withheld) > 20
