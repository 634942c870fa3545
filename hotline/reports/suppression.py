"""Small-cell suppression for counts below district level (DESIGN §5).

Primary suppression: a count from 1 to 9 is published as "<10". Complementary suppression:
a table's cells add up to totals published elsewhere (a district's streets add up to the
district's count), so a lone hidden cell could be recomputed by subtraction. For each such
group we therefore also hide, as "*", the smallest other cells of at least 10 until no
hidden cell is pinned down, i.e. until an attacker who knows the group total, every shown
cell, that "<10" means 1–9 and that "*" means at least 10, is still left with more than one
possible value for every hidden cell.

The check is exact for groups that do not overlap, which is how the report uses it. A group
whose total is itself below 10 with a single non-zero cell cannot be protected (the total
is the cell); that only happens where the published district count is that small, and the
group is returned in ``exposed``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

SMALL = "<10"
HIDDEN = "*"


@dataclass
class Cell:
    key: Hashable
    value: int
    groups: tuple[Hashable, ...]


@dataclass
class Suppressed:
    values: dict  # key -> int | SMALL | HIDDEN
    exposed: list = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return sum(1 for v in self.values.values() if isinstance(v, str))


def _bounds(marker: str, threshold: int) -> tuple[float, float]:
    return (1, threshold - 1) if marker == SMALL else (threshold, math.inf)


def pinned(total: int, shown_sum: int, hidden: list[str], threshold: int) -> bool:
    """Whether any hidden cell of a group has exactly one feasible value."""
    if not hidden:
        return False
    rest = total - shown_sum
    bounds = [_bounds(m, threshold) for m in hidden]
    lo_all = sum(b[0] for b in bounds)
    hi_all = sum(b[1] for b in bounds)
    for lo, hi in bounds:
        least = max(lo, rest - (hi_all - hi))
        most = min(hi, rest - (lo_all - lo))
        if least >= most:
            return True
    return False


def suppress(cells: Iterable[Cell], threshold: int = 10) -> Suppressed:
    cells = list(cells)
    values: dict = {c.key: SMALL if 0 < c.value < threshold else c.value for c in cells}
    groups: dict[Hashable, list[Cell]] = {}
    for c in cells:
        for g in c.groups:
            groups.setdefault(g, []).append(c)

    exposed: set = set()
    changed = True
    while changed:
        changed = False
        for name, members in groups.items():
            if name in exposed:
                continue
            while _group_pinned(members, values, threshold):
                candidates = [
                    c for c in members if not isinstance(values[c.key], str) and c.value > 0
                ]
                if not candidates:
                    exposed.add(name)
                    break
                pick = min(candidates, key=lambda c: (c.value, str(c.key)))
                values[pick.key] = HIDDEN
                changed = True
    return Suppressed(values=values, exposed=sorted(exposed, key=str))


def _group_pinned(members: list[Cell], values: dict, threshold: int) -> bool:
    total = sum(c.value for c in members)
    shown = sum(values[c.key] for c in members if not isinstance(values[c.key], str))
    hidden = [values[c.key] for c in members if isinstance(values[c.key], str)]
    return pinned(total, shown, hidden, threshold)
