"""Honest comparisons: a period compared with one that has no data says 无数据 / “—”, never
0; headings never say "居前0位"; every missing figure says why."""

from __future__ import annotations

import csv
import io
import json

from hotline.extensions import db
from hotline.reports import editions
from hotline.reports.builder import build_snapshot
from hotline.reports.periods import Period
from tests.portal import dataset
from tests.portal.factories import at, order, world_with_places


def test_a_journalist_compares_2024_with_2025_and_sees_real_growth(client, publish):
    publish("2025")
    data = json.loads(client.get("/reports/2025/v1/data.json").data)
    rows = {r["indicator"]: r for r in data["tables"]["comparison"]["rows"]}
    assert (rows["受理量"]["current"], rows["受理量"]["previous"]) == (597, 271)
    assert rows["受理量"]["change"] == round(100 * (597 - 271) / 271, 1) == 120.3
    districts = {r["district"]: r for r in data["tables"]["districts"]["rows"]}
    assert districts["朝阳区"]["previous_received"] == 151  # 150 + the 31 December edge order
    haidian = districts["海淀区"]
    assert haidian["change_pct"] == round(
        100 * (haidian["received"] - haidian["previous_received"]) / haidian["previous_received"], 1
    )
    html = client.get("/reports/2025").get_data(as_text=True)
    assert "八、同比比较" in html
    assert "无可比数据" not in html
    assert "120.3" in html


def test_a_year_compared_with_one_before_the_data_shows_no_data_not_zero(client, publish):
    edition = publish("2024")  # the data begin in January 2024: 2023 has none
    data = json.loads(edition.data)
    assert data["report"]["compare"]["available"] is False
    assert "不是0" in data["report"]["compare"]["note"]
    assert data["summary"]["previous"] is None
    for row in data["tables"]["comparison"]["rows"]:
        assert row["previous"] == "无数据"
        assert row["change"] is None
    for tid in ("categories_l1", "categories_l3", "districts"):
        for row in data["tables"][tid]["rows"]:
            assert row["previous_received"] == "无数据", tid
            assert row["change_pct"] is None
        assert "不是0" in data["tables"][tid]["note"]
    text = client.get("/reports/2024/v1/districts.csv").data.decode("utf-8-sig")
    first = next(csv.DictReader(io.StringIO(text)))
    assert first["对比期受理量（件）"] == "无数据"
    assert first["增减幅度（%）"] == ""
    html = client.get("/reports/2024").get_data(as_text=True)
    assert "无可比数据" in html
    assert ">无数据<" in html
    assert ">0<" not in html.split('id="table-comparison"')[1].split("</table>")[0]


def test_a_comparison_period_the_data_begin_inside_is_not_compared(app, world):
    w = world_with_places(world)
    specs = [order(at(2025, 2, 10 + i % 10), "chaoyang", "wangjing") for i in range(30)]
    specs += [order(at(2025, 3, 1 + i % 28), "chaoyang", "wangjing") for i in range(40)]
    dataset.insert_specs(specs, w.places)
    snap = build_snapshot(Period.parse("2025"))  # compared with 2024: nothing at all
    assert snap["report"]["compare"]["available"] is False
    march = build_snapshot(Period.parse("2025-03"))  # February: the data's first month
    assert march["report"]["compare"]["available"] is True
    assert march["summary"]["previous"]["received"] == 30
    feb = build_snapshot(Period.parse("2025-02"))  # January: before the data
    assert feb["report"]["compare"]["available"] is False
    assert feb["tables"]["comparison"]["rows"][0]["previous"] == "无数据"


def test_no_heading_says_top_zero(client, app, world):
    """A month where no street can be shown: no "居前0位", no "前0位"; the page says why."""
    w = world_with_places(world)
    specs = [order(at(2025, 4, 3 + i), "chaoyang", "jiangtai") for i in range(4)]
    specs += [order(at(2025, 4, 3 + i), "haidian", "xueyuanlu") for i in range(3)]
    dataset.insert_specs(specs, w.places)
    draft = editions.build_draft(Period.parse("2025-04"))
    editions.publish(draft)
    db.session.commit()
    html = client.get("/reports/2025-04").get_data(as_text=True)
    assert "前0位" not in html
    assert "居前" not in html
    assert "本期没有可以公布确切受理量的街道（乡镇）" in html
    assert "本月没有街道乡镇达到排名条件（当月评价不少于30件）" in html


def test_every_missing_figure_says_why(publish):
    data = json.loads(publish("2025-02").data)
    notes = {tid: t["note"] or "" for tid, t in data["tables"].items()}
    assert "不予计算" in notes["districts"]  # “—” rates: too few orders
    assert "样本不足" in notes["ranking"]  # not ranked: too few rated
    assert "<10" in notes["streets"]  # suppression
    conventions = data["dictionary"]
    assert "不是0" in conventions["无数据"]
    assert "排名" in conventions["样本不足"]
