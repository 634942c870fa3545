"""The monthly ranking a journalist reads: 先进/进步/整改/治理 streets, and 样本不足 for streets
with fewer rated orders than the minimum (30 by default), whatever their score."""

from __future__ import annotations

import json
import re

import pytest

from hotline.extensions import db
from hotline.reports import editions
from hotline.reports.periods import Period
from tests.portal import dataset
from tests.portal.factories import rated, world_with_places

# Share of good verdicts per street (composite = 30 + 70 × share), September and August.
SEPTEMBER = {
    "wangjing": 0.95,  # 96.5: top, 先进类
    "zhongguancun": 0.85,  # 89.5
    "xueyuanlu": 0.8,  # 86.0, was 72.0 in August: +14 points, 进步类
    "jiuxianqiao": 0.75,  # 82.5
    "maizidian": 0.7,  # 79.0: just above the bottom band, 整改类
    "badaling": 0.4,  # 58.0: below 60, 治理类
}
AUGUST = {**SEPTEMBER, "xueyuanlu": 0.6}
DISTRICTS = {
    "wangjing": "chaoyang",
    "jiuxianqiao": "chaoyang",
    "maizidian": "chaoyang",
    "jiangtai": "chaoyang",
    "zhongguancun": "haidian",
    "xueyuanlu": "haidian",
    "badaling": "yanqing",
    "rulin": "yanqing",
}


@pytest.fixture
def ranking_world(app, world):
    w = world_with_places(world)
    specs = []
    for month, shares in ((8, AUGUST), (9, SEPTEMBER)):
        for street, good in shares.items():
            specs += rated(2025, month, DISTRICTS[street], street, 35, good)
    # Two streets with a perfect score over 15 ratings: too few to rank.
    specs += rated(2025, 9, "chaoyang", "jiangtai", 15, 1.0)
    specs += rated(2025, 9, "yanqing", "rulin", 15, 1.0)
    dataset.insert_specs(specs, w.places)
    return w


def publish(key: str, world):
    draft = editions.build_draft(Period.parse(key), world.world.users["publisher"].id)
    edition = editions.publish(draft, world.world.users["publisher"].id)
    db.session.commit()
    return edition


def test_the_monthly_ranking_shows_every_class_and_the_streets_with_too_few(client, ranking_world):
    publish("2025-09", ranking_world)
    data = json.loads(client.get("/reports/2025-09/v1/data.json").data)
    rows = {r["street"]: r for r in data["tables"]["ranking"]["rows"]}
    assert rows["望京街道"]["class"] == "先进类"
    assert rows["学院路街道"]["class"] == "进步类"
    assert rows["麦子店街道"]["class"] == "整改类"
    assert rows["八达岭镇"]["class"] == "治理类"
    # A perfect score over 15 ratings neither ranks first nor takes a place from anyone.
    for name in ("将台地区", "儒林街道"):
        assert rows[name]["composite"] == 100.0
        assert (rows[name]["rank"], rows[name]["class"], rows[name]["remark"]) == (
            None,
            None,
            "样本不足",
        )
    assert rows["望京街道"]["rank"] == 1
    assert sorted(r["rank"] for r in rows.values() if r["rank"]) == [1, 2, 3, 4, 5, 6]

    html = client.get("/reports/2025-09").get_data(as_text=True)
    for name, count in (("先进类", 1), ("进步类", 1), ("整改类", 1), ("治理类", 1)):
        assert f"{name}（{count}个）" in html
    assert "样本不足（2个）" in html
    box = re.search(r'<section class="class-box too-few".*?</section>', html, re.S)[0]
    assert "朝阳区将台地区" in box
    assert "延庆区儒林街道" in box
    # The rules are shown with their thresholds next to the ranking, and in the methodology.
    assert "当月评价不少于30件" in html
    assert "排名末尾5%，或综合得分低于60.0分" in html
    assert "比上月上升不少于10名，或综合得分提高不少于5.0分" in html
    assert "“办结”是承办单位完成办理并答复，不等于问题已经解决" in html
    assert "统计的是诉求件数，不是问题个数" in html


def test_the_minimum_is_configuration(make_app, ranking_world):
    app = make_app(REPORT_RANKING_MIN_RATED=10)
    with app.app_context():
        draft = editions.build_draft(Period.parse("2025-09"))
        rows = {r["street"]: r for r in json.loads(draft.data)["tables"]["ranking"]["rows"]}
        db.session.rollback()
    assert rows["将台地区"]["rank"] == 1  # with 10, fifteen ratings are enough: tied first
    assert rows["将台地区"]["remark"] is None


def test_the_yearly_report_counts_the_too_few_each_month(client, ranking_world):
    publish("2025", ranking_world)
    data = json.loads(client.get("/reports/2025/v1/data.json").data)
    months = {r["month"]: r for r in data["tables"]["ranking_months"]["rows"]}
    assert months["2025-09"]["ranked"] == 6
    assert months["2025-09"]["insufficient"] == 2
    assert months["2025-08"]["insufficient"] == 0
    governance = data["tables"]["governance_streets"]["rows"]
    assert [(g["street"], g["street_code"], g["months"]) for g in governance] == [
        ("八达岭镇", "110119003", "8月、9月")
    ]
