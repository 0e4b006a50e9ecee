"""An attacker's view of published tables: solve the sums for every withheld cell.

The attacker knows every published count, that counts are whole and never negative, and every
sum that ties the tables together. For each withheld cell we ask an integer program (scipy's
HiGHS) for the smallest and the largest value it can take; a cell pinned to one value is
disclosed. This is the oracle the suppression rule is tested against, written independently of it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp


@dataclass(frozen=True)
class SumRule:
    """total = sum(parts), over cell names."""

    total: Hashable
    parts: tuple[Hashable, ...]


def feasible_ranges(
    values: Mapping[Hashable, int],
    withheld: set[Hashable],
    rules: Sequence[SumRule],
) -> dict[Hashable, tuple[int, int]]:
    """Return, for each withheld cell, the (lowest, highest) whole value the attacker can solve."""
    names = sorted(withheld, key=repr)
    if not names:
        return {}
    index = {name: position for position, name in enumerate(names)}
    rows: list[np.ndarray] = []
    rights: list[float] = []
    for rule in rules:
        row = np.zeros(len(names))
        right = 0.0
        for name, sign in [(rule.total, 1.0), *[(part, -1.0) for part in rule.parts]]:
            if name in index:
                row[index[name]] += sign
            else:
                right -= sign * values[name]
        if row.any():
            rows.append(row)
            rights.append(right)
        else:
            assert abs(right) < 1e-9, f"published cells break {rule}"
    constraint = LinearConstraint(np.array(rows), rights, rights) if rows else ()
    ranges: dict[Hashable, tuple[int, int]] = {}
    for name in names:
        bounds = []
        for direction in (1.0, -1.0):
            objective = np.zeros(len(names))
            objective[index[name]] = direction
            result = milp(
                objective,
                constraints=constraint,
                integrality=np.ones(len(names)),
                bounds=Bounds(0, np.inf),
            )
            if not result.success and direction < 0:
                # The true counts satisfy every sum, so a failed maximum is an unbounded one.
                bounds.append(float("inf"))
                continue
            assert result.success, result.message
            bounds.append(round(result.x[index[name]]))
        ranges[name] = (int(bounds[0]), int(bounds[1]) if bounds[1] != float("inf") else 10**9)
    return ranges


def crosstab_rules(rows: int, columns: int, line_lengths: Sequence[int] = ()) -> list[SumRule]:
    """The sums of a cross-table with margins, plus one-way tables sharing its grand total.

    Cells are named ("x", i, j), ("row", i), ("col", j), "total", ("line", k, j).
    """
    rules = [SumRule(("row", i), tuple(("x", i, j) for j in range(columns))) for i in range(rows)]
    rules += [SumRule(("col", j), tuple(("x", i, j) for i in range(rows))) for j in range(columns)]
    rules.append(SumRule("total", tuple(("row", i) for i in range(rows))))
    rules.append(SumRule("total", tuple(("col", j) for j in range(columns))))
    for k, length in enumerate(line_lengths):
        rules.append(SumRule("total", tuple(("line", k, j) for j in range(length))))
    return rules
