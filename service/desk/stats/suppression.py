"""Small-cell suppression with complementary suppression: which published counts to withhold.

Pure functions over integer counts; no I/O. The rule (docs/statistics.md):

* Primary: every count from 1 to 4 is withheld. A zero describes nobody and is published (were it
  withheld, a line of zeros would still give each one away: the line's total is 0).
* Complementary: more cells are withheld until no withheld cell can be pinned to one value from
  the published cells and the tables' sums, counts being whole and never negative.
* When the grand total itself is below 5, every count of every linked table is withheld.

The proof that a withheld cell is safe is a *perturbation*: another table of whole, non-negative
counts that agrees with every published number and differs in that cell. In a table with
margins, perturbations are the directed cycles of a small graph (see `_CrossTabNetwork`), so the
check is a graph search and a complement is a cheapest path: the network-flow approach to cell
suppression, written here because no kept Python library does it (docs/statistics.md).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

THRESHOLD = 5


def is_primary(count: int) -> bool:
    """Return whether a count is small enough to withhold on its own (1 to 4)."""
    return 0 < count < THRESHOLD


@dataclass(frozen=True)
class CrossTabMask:
    """Which cells of a two-way table with margins to withhold (True = suppressed)."""

    cells: tuple[tuple[bool, ...], ...]
    row_totals: tuple[bool, ...]
    column_totals: tuple[bool, ...]
    grand_total: bool


def suppress_line(parts: Sequence[int], *, total_published: bool = True) -> tuple[bool, ...]:
    """Withhold the parts of a one-way table whose total is published alongside it.

    With the total published, a lone withheld part is its total minus the rest; two withheld
    parts, one of them at least 1, can trade a unit and stay consistent. With the total withheld
    (it is below 5), every part is withheld.
    """
    _check_counts(parts)
    if not total_published:
        return tuple(True for _ in parts)
    mask = [is_primary(value) for value in parts]
    for index in range(len(parts)):
        if mask[index] and not _line_cell_protected(parts, mask, index):
            candidates = [j for j in range(len(parts)) if not mask[j] and j != index]
            if not candidates:
                raise ValueError("a one-part table cannot hide its only part behind its total")
            # Withhold the cheapest part: the smallest count loses the least information.
            mask[min(candidates, key=lambda j: (parts[j], j))] = True
    return tuple(mask)


def _line_cell_protected(parts: Sequence[int], mask: Sequence[bool], index: int) -> bool:
    # Cell `index` can go down (if >= 1) while another rises, or up while another (>= 1) falls.
    return any(
        mask[j] and j != index and (parts[index] >= 1 or parts[j] >= 1) for j in range(len(parts))
    )


def suppress_crosstab(cells: Sequence[Sequence[int]]) -> CrossTabMask:
    """Withhold cells of a two-way table published with its row, column and grand totals."""
    rows = len(cells)
    columns = len(cells[0]) if rows else 0
    if rows == 0 or columns == 0 or any(len(row) != columns for row in cells):
        raise ValueError("a cross-table needs at least one cell and rows of equal length")
    for row in cells:
        _check_counts(row)
    network = _CrossTabNetwork(cells)
    if is_primary(network.grand_total):
        return CrossTabMask(
            cells=tuple(tuple(True for _ in row) for row in cells),
            row_totals=tuple(True for _ in range(rows)),
            column_totals=tuple(True for _ in range(columns)),
            grand_total=True,
        )
    withheld = {cell for cell in network.cells() if is_primary(network.value(cell))}
    # Each pass protects one exposed cell with a cycle; every cell on that cycle is then safe
    # too, and more withheld cells never expose one, so the loop ends.
    while True:
        exposed = next(
            (cell for cell in sorted(withheld) if not network.protected(cell, withheld)), None
        )
        if exposed is None:
            break
        path = network.cheapest_cycle(exposed, withheld)
        if path is None:
            raise ValueError("no complementary suppression exists for this table")
        withheld.update(path)
    return network.mask(withheld)


@dataclass(frozen=True)
class LinkedMask:
    """Suppression of a cross-table and of one-way tables that share its grand total."""

    crosstab: CrossTabMask
    lines: tuple[tuple[bool, ...], ...]


def suppress_linked(cells: Sequence[Sequence[int]], lines: Sequence[Sequence[int]]) -> LinkedMask:
    """Withhold cells of a cross-table and of one-way tables of the same cases (same total).

    The tables are tied only through the grand total. Published (5 or more), it fixes each
    table's sum, so each can be protected on its own; withheld (below 5), every count of every
    table is below 5 and all are withheld.
    """
    crosstab = suppress_crosstab(cells)
    total = sum(sum(row) for row in cells)
    if any(sum(line) != total for line in lines):
        raise ValueError("linked one-way tables must count the same cases as the cross-table")
    published = not crosstab.grand_total
    return LinkedMask(
        crosstab=crosstab,
        lines=tuple(suppress_line(line, total_published=published) for line in lines),
    )


def _check_counts(values: Sequence[int]) -> None:
    if any(isinstance(value, bool) or not isinstance(value, int) or value < 0 for value in values):
        raise ValueError("counts must be whole numbers, zero or more")


Cell = tuple[int, int]
# A node of the graph: ("r", i) is row i (i == rows: the total row), ("c", j) is column j.
Node = tuple[str, int]


class _CrossTabNetwork:
    """A table with margins as a graph: perturbations of its counts are the graph's cycles.

    The table is augmented with a total row (index `rows`) and a total column (index `columns`);
    cell (i, j) is an edge between row node i and column node j. Writing each margin cell with
    its sign flipped, every row and column of the augmented table sums to zero, so a change that
    keeps all sums is a flow around cycles. Moving one unit along an edge from its row node to
    its column node raises an inner cell or lowers a margin cell; the other way round, the
    opposite. A cell may be lowered only when it is at least 1. The grand total is published
    here and so is never an edge.
    """

    def __init__(self, cells: Sequence[Sequence[int]]) -> None:
        self.rows = len(cells)
        self.columns = len(cells[0])
        self._values: dict[Cell, int] = {}
        for i, row in enumerate(cells):
            for j, value in enumerate(row):
                self._values[(i, j)] = value
            self._values[(i, self.columns)] = sum(row)
        for j in range(self.columns):
            self._values[(self.rows, j)] = sum(row[j] for row in cells)
        self.grand_total = sum(sum(row) for row in cells)

    def cells(self) -> list[Cell]:
        """Return every cell but the grand total, in row order."""
        return sorted(self._values)

    def value(self, cell: Cell) -> int:
        return self._values[cell]

    def _is_margin(self, cell: Cell) -> bool:
        return (cell[0] == self.rows) != (cell[1] == self.columns)

    def _moves(self, cell: Cell) -> list[tuple[Node, Node]]:
        """Return the directions (from, to) in which one unit may flow along this cell."""
        row_node, column_node = ("r", cell[0]), ("c", cell[1])
        raising = (row_node, column_node) if not self._is_margin(cell) else (column_node, row_node)
        moves = [raising]
        if self._values[cell] >= 1:
            moves.append((raising[1], raising[0]))
        return moves

    def _arcs(self, usable: set[Cell], skip: Cell) -> dict[Node, list[tuple[Node, Cell]]]:
        arcs: dict[Node, list[tuple[Node, Cell]]] = {}
        for cell in usable:
            if cell != skip:
                for start, end in self._moves(cell):
                    arcs.setdefault(start, []).append((end, cell))
        return arcs

    def protected(self, cell: Cell, withheld: set[Cell]) -> bool:
        """Return whether a withheld cell lies on a cycle of withheld cells (it can change)."""
        arcs = self._arcs(withheld, skip=cell)
        # A unit along `cell` from start to end must come back from end to start.
        return any(_reaches(arcs, end, start) for start, end in self._moves(cell))

    def cheapest_cycle(self, cell: Cell, withheld: set[Cell]) -> set[Cell] | None:
        """Return the published cells to withhold so that `cell` lies on a cycle, fewest counts.

        Withheld cells cost nothing to pass; a published cell costs its count plus one, so small
        cells and few cells are preferred. Ties break on the cells' order, so the rule is stable.
        """
        everything = set(self._values)
        arcs = self._arcs(everything, skip=cell)
        best: tuple[int, list[Cell]] | None = None
        for start, end in self._moves(cell):
            found = _cheapest_path(arcs, end, start, lambda c: self._cost(c, withheld))
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        if best is None:
            return None
        return {c for c in best[1] if c not in withheld}

    def _cost(self, cell: Cell, withheld: set[Cell]) -> int:
        return 0 if cell in withheld else self._values[cell] + 1

    def mask(self, withheld: set[Cell]) -> CrossTabMask:
        return CrossTabMask(
            cells=tuple(
                tuple((i, j) in withheld for j in range(self.columns)) for i in range(self.rows)
            ),
            row_totals=tuple((i, self.columns) in withheld for i in range(self.rows)),
            column_totals=tuple((self.rows, j) in withheld for j in range(self.columns)),
            grand_total=False,
        )


def _reaches(arcs: dict[Node, list[tuple[Node, Cell]]], start: Node, goal: Node) -> bool:
    seen = {start}
    frontier = [start]
    while frontier:
        node = frontier.pop()
        if node == goal:
            return True
        for following, _cell in arcs.get(node, ()):
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    return False


def _cheapest_path(
    arcs: dict[Node, list[tuple[Node, Cell]]],
    start: Node,
    goal: Node,
    cost: Callable[[Cell], int],
) -> tuple[int, list[Cell]] | None:
    """Dijkstra from start to goal; returns (total cost, cells on the path)."""
    queue: list[tuple[int, list[Cell], Node]] = [(0, [], start)]
    settled: set[Node] = set()
    while queue:
        spent, path, node = heapq.heappop(queue)
        if node == goal:
            return spent, path
        if node in settled:
            continue
        settled.add(node)
        for following, cell in arcs.get(node, ()):
            if following not in settled:
                heapq.heappush(queue, (spent + cost(cell), [*path, cell], following))
    return None
