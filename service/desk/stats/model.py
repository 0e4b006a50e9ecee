"""What the statistics pages publish: tables of counts and single figures, already suppressed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Unit = Literal["count", "percent", "hours"]


@dataclass(frozen=True)
class Table:
    """A published table: each row is (dimension values, count), count None when suppressed."""

    name: str
    dimensions: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], int | None], ...]

    def count(self, *values: str) -> int | None:
        """Return the published count of one row (None when suppressed)."""
        for row_values, count in self.rows:
            if row_values == values:
                return count
        raise KeyError(values)


@dataclass(frozen=True)
class Figure:
    """A single published number; `suppressed` when it is a count below 5 or its base is."""

    name: str
    value: int | float | None
    suppressed: bool
    unit: Unit


@dataclass(frozen=True)
class Statistics:
    """Every table and figure of one scope (a set of provinces, or national when None)."""

    provinces: frozenset[str] | None
    first_month: date
    last_month: date
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]

    def table(self, name: str) -> Table:
        """Return the table with this name."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def figure(self, name: str) -> Figure:
        """Return the figure with this name."""
        for figure in self.figures:
            if figure.name == name:
                return figure
        raise KeyError(name)
