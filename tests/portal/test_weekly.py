"""周分析: planted surges are found through the real build, flat series are not flagged, and
every published cell goes through the small-cell rule."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from hotline.errors import Invalid
from hotline.extensions import db
from hotline.reports import editions
from hotline.reports.periods import Period
from tests.portal import dataset
from tests.portal.factories import at, order, world_with_places

WEEK = Period.parse("2025-W40")  # Monday 29 September to Sunday 5 October 2025
# (district, street, level-3 category) -> counts of the 8 baseline weeks, then this week
SERIES = {
    ("chaoyang", "wangjing", "parking"): [2, 2, 2, 2, 2, 2, 2, 2, 20],  # surge
    ("haidian", "zhongguancun", "lift"): [0, 0, 0, 0, 0, 0, 0, 0, 12],  # new
    ("haidian", "xueyuanlu", "bus"): [1, 0, 1, 1, 0, 1, 1, 0, 15],  # surge, small baseline
    ("chaoyang", "jiuxianqiao", "lift"): [12] * 9,  # flat
    ("chaoyang", "maizidian", "parking"): [20, 25, 18, 22, 19, 24, 21, 23, 26],  # noisy, flat
    ("chaoyang", "jiangtai", "parking"): [0, 0, 0, 0, 0, 0, 0, 0, 6],  # too small to test
}


@pytest.fixture
def weekly_world(app, world):
    w = world_with_places(world)
    monday = WEEK.full.start
    specs = []
    for (district, street, category), counts in SERIES.items():
        for back, count in zip(range(8, -1, -1), counts, strict=True):
            start = monday - timedelta(days=7 * back)
            for i in range(count):
                day = start + timedelta(days=i % 7)
                specs.append(
                    order(
                        at(day.year, day.month, day.day, 8 + i % 12, i % 60),
                        district,
                        street,
                        category,
                    )
                )
    dataset.insert_specs(specs, w.places)
    return w


def test_planted_surges_are_found_and_flat_series_are_not(client, weekly_world):
    edition = editions.publish(editions.build_draft(WEEK))
    db.session.commit()
    data = json.loads(edition.data)
    hotspots = {(h["street"], h["category"]): h for h in data["tables"]["hotspots"]["rows"]}
    assert set(hotspots) == {
        ("望京街道", "交通管理"),
        ("中关村街道", "住房"),
        ("学院路街道", "交通管理"),
    }
    surge = hotspots[("望京街道", "交通管理")]
    assert (surge["received"], surge["baseline_total"], surge["baseline_weeks"]) == (20, 16, 8)
    assert (surge["baseline_mean"], surge["ratio"]) == (2.0, "10.0")
    assert surge["q_value"] <= 0.05
    assert (surge["district_code"], surge["street_code"]) == ("110105", "110105001")
    new = hotspots[("中关村街道", "住房")]
    assert (new["baseline_total"], new["ratio"]) == (0, "新增")
    # A baseline of 5 requests is a small cell: "<10", no mean, the ratio as a lower bound.
    small = hotspots[("学院路街道", "交通管理")]
    assert (small["baseline_total"], small["baseline_mean"]) == ("<10", None)
    assert small["ratio"] == f"≥{15 * 8 / 9:.1f}"
    scan = {r["indicator"]: r["value"] for r in data["tables"]["hotspot_scan"]["rows"]}
    assert scan["检查的单元格（街道 × 一级分类，本周或基线有诉求）"] == 6
    assert scan["本周不足10件、未检验的单元格"] == 1  # 将台地区: 6 requests
    assert data["rules"]["hotspots"]["fdr"] == 0.05
    assert "Benjamini–Hochberg" in data["rules"]["hotspots"]["method"]

    html = client.get("/reports/2025-W40").get_data(as_text=True)
    assert "2025年第40周（9月29日至10月5日）接诉即办周分析" in html
    assert "本周共有 3 个" in html
    assert "望京街道 · 交通管理" in html
    assert "此前各周均无此类诉求（新增）" in html
    assert "错误发现率" in html


def test_a_flat_week_has_no_hotspots(client, weekly_world):
    data = json.loads(editions.build_draft(Period.parse("2025-W39")).data)
    assert data["tables"]["hotspots"]["rows"] == []
    db.session.rollback()


def test_the_latest_weekly_analysis_is_on_the_index(client, weekly_world):
    for key in ("2025-W39", "2025-W40"):
        editions.publish(editions.build_draft(Period.parse(key)))
    db.session.commit()
    html = client.get("/reports/").get_data(as_text=True)
    assert "最新周分析：2025年第40周" in html
    assert 'href="/reports/2025-W40"' in html
    assert "周分析" in html


def test_a_week_not_yet_over_cannot_be_built(weekly_world):
    with pytest.raises(Invalid):
        editions.build_draft(Period.parse("2999-W01"))
    today = editions.today_local()
    with pytest.raises(Invalid):
        editions.build_draft(Period.week_of(today))


@pytest.mark.parametrize("key", ["2025-W00", "2025-W54", "2026-W53", "2025-w40", "2025-W4"])
def test_bad_week_keys_are_not_found(client, key):
    assert client.get(f"/reports/{key}").status_code == 404
