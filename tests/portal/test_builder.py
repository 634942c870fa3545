"""The report's numbers equal numbers computed independently from the known dataset."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hotline.models.enums import (
    CHANNEL_LABELS,
    KIND_LABELS,
    UNIT_KIND_LABELS,
    Channel,
    OrderKind,
)
from hotline.reports.builder import build_snapshot
from hotline.reports.periods import Period
from tests.portal import dataset

RATE_KEYS = ("response_rate", "resolution_rate", "satisfaction_rate", "composite")


def assert_rates(actual: dict, expected: dict) -> None:
    for key in RATE_KEYS:
        if expected[key] is None:
            assert actual[key] is None, key
        else:
            # SQL and Python may add the 0.8s in another order: allow one rounding step.
            assert actual[key] == pytest.approx(expected[key], abs=0.011), key


def rows_by(table: dict, key: str) -> dict:
    return {r[key]: r for r in table["rows"]}


@pytest.fixture
def year(reports_world):
    specs = dataset.in_year(reports_world.specs, dataset.YEAR)
    return specs, build_snapshot(Period.parse(str(dataset.YEAR)))


def test_volume_and_time_figures(year):
    specs, snap = year
    cur = snap["summary"]["current"]
    exp = dataset.expected_volume(specs)
    assert cur["received"] == exp["received"] == 597  # the quotas plus two edge orders
    for key in ("answered", "dispatched", "repeats_merged", "on_time", "overdue"):
        assert cur[key] == exp[key], key
    assert cur["pending"] == exp["received"] - exp["answered"] - exp["dispatched"]
    assert cur["daily_average"] == round(597 / 365, 1)
    assert cur["peak_day"] == {"date": exp["peak"][0], "received": exp["peak"][1]}
    assert snap["report"]["start"] == "2025-01-01"
    assert snap["report"]["end"] == "2025-12-31"
    assert snap["report"]["complete"] is True

    monthly = {r["month"]: r["received"] for r in snap["tables"]["monthly"]["rows"]}
    assert monthly == {m: exp["months"].get(m, 0) for m in monthly}
    assert len(monthly) == 12
    daily = snap["tables"]["daily"]["rows"]
    assert len(daily) == 365
    assert sum(r["received"] for r in daily) == 597
    # 00:30 Beijing time on 1 January is still 31 December in UTC: it counts on 1 January.
    jan1 = sum(1 for s in specs if dataset.local_date(s.received_at).isoformat() == "2025-01-01")
    assert daily[0] == {**daily[0], "date": "2025-01-01", "received": jan1}


def test_channels_kinds_and_unit_kinds(year, reports_world):
    specs, snap = year
    exp = dataset.expected_volume(specs)
    channels = {r["channel"]: r["received"] for r in snap["tables"]["channels"]["rows"]}
    assert channels == {CHANNEL_LABELS[c]: exp["channels"].get(c.value, 0) for c in Channel}
    kinds = {r["kind"]: r["received"] for r in snap["tables"]["kinds"]["rows"]}
    assert kinds == {KIND_LABELS[k]: exp["kinds"].get(k.value, 0) for k in OrderKind}
    shares = [r["share"] for r in snap["tables"]["channels"]["rows"]]
    assert sum(shares) == pytest.approx(100, abs=0.5)

    units = reports_world.places["units"]
    dispatched = [s for s in specs if s.dispatched_at]
    by_kind = dataset.by(dispatched, lambda s: UNIT_KIND_LABELS[units[s.lead_unit].kind])
    table = rows_by(snap["tables"]["unit_kinds"], "unit_kind")
    assert set(table) == set(by_kind)
    for label, group in by_kind.items():
        assert table[label]["dispatched"] == len(group)
        assert table[label]["share"] == round(100 * len(group) / len(dispatched), 1)
        assert_rates(table[label], dataset.expected_rates(group))


def test_three_rates_overall_and_per_district(year, reports_world):
    specs, snap = year
    assert_rates(snap["summary"]["current"], dataset.expected_rates(specs))
    previous = dataset.in_year(reports_world.specs, dataset.YEAR - 1)
    assert_rates(snap["summary"]["previous"], dataset.expected_rates(previous))

    names = {k: d.name for k, d in reports_world.places["districts"].items()}
    table = rows_by(snap["tables"]["districts"], "district")
    before = dataset.by(previous, lambda s: s.district)
    for key, group in dataset.by(specs, lambda s: s.district).items():
        row = table[names[key]]
        exp = dataset.expected_volume(group)
        assert row["received"] == exp["received"]
        assert row["dispatched"] == exp["dispatched"]
        assert row["answered"] == exp["answered"]
        assert row["overdue"] == exp["overdue"]
        assert row["previous_received"] == len(before.get(key, []))
        assert_rates(row, dataset.expected_rates(group))
    # 延庆区 has only 23 dispatched orders and fewer than 10 rated ones... or not: either
    # way a rate is shown exactly when 10 or more orders stand behind it.
    yanqing = dataset.expected_rates(dataset.by(specs, lambda s: s.district)["yanqing"])
    assert (table["延庆区"]["resolution_rate"] is None) == (yanqing["rated"] < 10)


def test_categories_with_year_on_year_change(year, reports_world):
    specs, snap = year
    previous = dataset.in_year(reports_world.specs, dataset.YEAR - 1)
    cats, level1 = reports_world.places["categories"], reports_world.places["level1"]
    for table_id, key in (
        ("categories_l3", lambda s: cats[s.category].name),
        ("categories_l1", lambda s: level1[s.category].name),
    ):
        now = {k: len(v) for k, v in dataset.by(specs, key).items()}
        before = {k: len(v) for k, v in dataset.by(previous, key).items()}
        rows = snap["tables"][table_id]["rows"]
        assert [r["received"] for r in rows] == sorted(now.values(), reverse=True)
        for r in rows:
            assert r["received"] == now[r["category"]]
            assert r["previous_received"] == before[r["category"]]
            expected = round(
                100 * (now[r["category"]] - before[r["category"]]) / before[r["category"]], 1
            )
            assert r["change_pct"] == expected
    l3 = rows_by(snap["tables"]["categories_l3"], "category")
    assert l3["违章停车"]["level1"] == "交通管理"


def test_comparison_table_is_the_previous_year(year, reports_world):
    _, snap = year
    assert snap["report"]["compare"] == {
        "label": "同比",
        "period": "2024",
        "start": "2024-01-01",
        "end": "2024-12-31",
        "days": 366,
        "available": True,  # the data begin in January 2024: a full year to compare with
        "note": None,
    }
    rows = rows_by(snap["tables"]["comparison"], "indicator")
    previous = len(dataset.in_year(reports_world.specs, dataset.YEAR - 1))
    assert rows["受理量"]["previous"] == previous == 271
    assert rows["受理量"]["change"] == round(100 * (597 - previous) / previous, 1)
    cur, prev = rows["响应率（%）"]["current"], rows["响应率（%）"]["previous"]
    assert rows["响应率（%）"]["change"] == round(cur - prev, 2)
    assert rows["响应率（%）"]["change_unit"] == "个百分点"


def test_monthly_report_and_street_ranking(reports_world, app):
    app.config["REPORT_RANKING_MIN_RATED"] = 10  # the dataset's streets are small
    snap = build_snapshot(Period.parse("2025-06"))
    june = [
        s
        for s in reports_world.specs
        if dataset.local_date(s.received_at).strftime("%Y-%m") == "2025-06"
    ]
    may = [
        s
        for s in reports_world.specs
        if dataset.local_date(s.received_at).strftime("%Y-%m") == "2025-05"
    ]
    assert snap["summary"]["current"]["received"] == len(june)
    assert snap["report"]["compare"]["label"] == "环比"
    assert snap["summary"]["previous"]["received"] == len(may)
    assert len(snap["tables"]["daily"]["rows"]) == 30
    assert "monthly" not in snap["tables"]

    streets = reports_world.places["streets"]
    ranking = snap["tables"]["ranking"]["rows"]
    ranked = [r for r in ranking if r["rank"] is not None]
    assert len(ranked) >= 3
    assert [r["rank"] for r in ranked] == sorted(r["rank"] for r in ranked)
    for row in ranking:
        key = next(k for k, s in streets.items() if s.name == row["street"])
        group = [s for s in june if s.dispatched_at and s.lead_unit == key]
        expected = dataset.expected_rates(group)
        assert_rates(row, expected)
        assert (row["rank"] is None) == (expected["composite"] is None)
    assert ranked[0]["class"] == "先进类"
    assert ranked[-1]["class"] == "治理类"
    assert "dispatched" not in ranking[0]  # no counts below district level in the ranking
    assert "rated" not in ranking[0]
    assert ranking[0]["street_code"] == "110105001" or ranking[0]["street_code"].isdigit()
    assert all(r["district_code"] in {"110105", "110108", "110119"} for r in ranking)


def test_streets_with_fewer_rated_orders_than_the_minimum_are_not_ranked(reports_world):
    """Default minimum: 30 rated orders a month. Streets with a composite score over fewer
    ratings show 样本不足, get no rank and no class, and do not push others down."""
    snap = build_snapshot(Period.parse("2025-06"))
    assert snap["rules"]["ranking_min_rated"] == 30
    streets = reports_world.places["streets"]
    june = [
        s
        for s in reports_world.specs
        if dataset.local_date(s.received_at).strftime("%Y-%m") == "2025-06"
    ]
    rows = snap["tables"]["ranking"]["rows"]
    assert rows
    for row in rows:
        key = next(k for k, s in streets.items() if s.name == row["street"])
        group = [s for s in june if s.dispatched_at and s.lead_unit == key]
        expected = dataset.expected_rates(group)
        if expected["composite"] is not None and expected["rated"] >= 30:
            assert row["rank"] is not None, row["street"]
            assert row["remark"] is None
        elif expected["composite"] is not None:
            assert (row["rank"], row["class"], row["remark"]) == (None, None, "样本不足")
        else:
            assert (row["rank"], row["remark"]) == (None, None)
    assert [r["rank"] for r in rows if r["rank"] is not None] == [1]
    assert sum(1 for r in rows if r["remark"] == "样本不足") >= 2
    assert "评价不少于30件" in snap["tables"]["ranking"]["note"]


def test_a_year_still_running_is_cut_at_the_start_of_today(reports_world):
    # Built at 07:00 Beijing time on 15 January 2025: 1–14 January count, today does not.
    now = datetime(2025, 1, 14, 23, 0, tzinfo=UTC)
    snap = build_snapshot(Period.parse("2025"), now)
    assert (snap["report"]["start"], snap["report"]["end"]) == ("2025-01-01", "2025-01-14")
    assert snap["report"]["complete"] is False
    assert snap["report"]["compare"]["start"] == "2024-01-01"
    assert snap["report"]["compare"]["end"] == "2024-01-14"
    expected = [
        s
        for s in reports_world.specs
        if date(2025, 1, 1) <= dataset.local_date(s.received_at) <= date(2025, 1, 14)
    ]
    assert snap["summary"]["current"]["received"] == len(expected)
    assert [r["month"] for r in snap["tables"]["monthly"]["rows"]] == ["2025-01"]
    assert len(snap["tables"]["daily"]["rows"]) == 14
