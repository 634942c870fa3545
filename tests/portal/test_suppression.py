"""Small cells: no count from 1 to 9 below district level, and no hidden cell recoverable by
subtracting what is published from the published totals."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from hotline.reports.builder import build_snapshot
from hotline.reports.periods import Period
from hotline.reports.suppression import HIDDEN, SMALL, Cell, suppress


def possible_values(total: int, shown: list[int], hidden: list[str]) -> list[set[int]]:
    """Brute force, as an attacker would: every assignment of the hidden cells that agrees
    with the total, the shown cells and what the markers say ("<10" is 1–9, "*" is >= 10)."""
    rest = total - sum(shown)
    ranges = [range(1, 10) if m == SMALL else range(10, rest + 1) for m in hidden]
    seen = [set() for _ in hidden]
    for combo in itertools.product(*ranges):
        if sum(combo) == rest:
            for i, v in enumerate(combo):
                seen[i].add(v)
    return seen


def assert_protected(total: int, cells: list) -> None:
    if cells == [None]:
        return  # the district's streets are withheld altogether
    shown = [c for c in cells if isinstance(c, int)]
    hidden = [c for c in cells if isinstance(c, str)]
    if not hidden:
        return
    for i, values in enumerate(possible_values(total, shown, hidden)):
        assert len(values) >= 2, f"hidden cell {i} of {cells} (total {total}) is {values}"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([230, 120, 3, 11], [230, 120, SMALL, HIDDEN]),  # one small cell needs a partner
        ([5, 4, 30], [SMALL, SMALL, 30]),  # two small cells already protect each other
        # 1 + 10 + 10 leaves no slack: the "<10" would have to be 1, so 50 goes too.
        ([1, 10, 10, 50], [SMALL, HIDDEN, HIDDEN, HIDDEN]),
        ([40, 25, 12], [40, 25, 12]),  # nothing small, nothing hidden
        ([0, 0, 7, 20], [0, 0, SMALL, HIDDEN]),  # zeros are shown and never partners
    ],
)
def test_suppression_of_one_group(values, expected):
    cells = [Cell(key=i, value=v, groups=("g",)) for i, v in enumerate(values)]
    result = suppress(cells)
    assert [result.values[i] for i in range(len(values))] == expected
    assert_protected(sum(values), expected)
    assert result.exposed == []


def test_a_group_that_cannot_be_protected_is_reported():
    # One street with 3 orders in a district with 3 orders: the district total is the cell.
    result = suppress([Cell("a", 3, ("d",)), Cell("b", 0, ("d",))])
    assert result.values == {"a": SMALL, "b": 0}
    assert result.exposed == ["d"]


def test_random_groups_are_always_protected():
    rng = random.Random(5)
    for _ in range(300):
        values = [
            rng.choice([0, 1, 2, 5, 9, 10, 11, 12, 15, 30, 80]) for _ in range(rng.randint(2, 5))
        ]
        result = suppress([Cell(i, v, ("g",)) for i, v in enumerate(values)])
        published = [result.values[i] for i in range(len(values))]
        assert not any(isinstance(v, int) and 0 < v < 10 for v in published)
        if not result.exposed:
            assert_protected(sum(values), published)


@pytest.mark.parametrize("period", ["2025", "2025-06", "2025-05", "2024"])
def test_published_street_counts_are_safe(reports_world, period):
    snap = build_snapshot(Period.parse(period))
    tables = snap["tables"]
    districts = {r["district"]: r["received"] for r in tables["districts"]["rows"]}
    by_district: dict[str, list] = {}
    for row in tables["streets"]["rows"]:
        value = row["received"]
        assert not (isinstance(value, int) and 0 < value < 10), row
        by_district.setdefault(row["district"], []).append(value)
    for district, cells in by_district.items():
        assert None not in cells or cells == [None]
        assert_protected(districts[district], cells)
    # Below district level the ranking publishes rates only, never a count.
    for row in tables.get("ranking", {}).get("rows", []):
        assert not any(isinstance(v, int) and 0 < v < 10 for k, v in row.items() if "rank" not in k)


def test_a_district_too_small_to_protect_lists_no_streets(reports_world):
    # In May 2025 延庆区 has a handful of orders, all in one street.
    snap = build_snapshot(Period.parse("2025-05"))
    rows = [r for r in snap["tables"]["streets"]["rows"] if r["district"] == "延庆区"]
    district = next(r for r in snap["tables"]["districts"]["rows"] if r["district"] == "延庆区")
    assert district["received"] < 10
    assert rows == [
        {
            "district": "延庆区",
            "district_code": "110119",
            "street": "（本期该区受理量过少，不公布街道明细）",
            "street_code": None,
            "received": None,
        }
    ]


def test_the_known_streets_are_suppressed_as_designed(reports_world):
    snap = build_snapshot(Period.parse("2025"))
    streets = {
        (r["district"], r["street"]): r["received"] for r in snap["tables"]["streets"]["rows"]
    }
    assert streets[("朝阳区", "将台地区")] == SMALL
    assert streets[("朝阳区", "麦子店街道")] == HIDDEN  # its 11 would reveal 将台's 3
    assert streets[("海淀区", "（未明确街道）")] == SMALL
    assert streets[("海淀区", "学院路街道")] == HIDDEN
    assert streets[("延庆区", "儒林街道")] == SMALL
    assert streets[("延庆区", "香水园街道")] == SMALL
    assert streets[("延庆区", "八达岭镇")] == 30
    # The stored snapshot itself never holds the small numbers.
    text = json.dumps(snap["tables"]["streets"], ensure_ascii=False)
    for hidden in ('"received": 3,', '"received": 11,', '"received": 5,', '"received": 4,'):
        assert hidden.rstrip(",") + "}" not in text
        assert hidden not in text
