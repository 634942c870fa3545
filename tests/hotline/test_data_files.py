"""Sanity checks for the shipped reference data (places and categories)."""

import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "hotline" / "data"

DISTRICTS = {
    "110101": "东城区",
    "110102": "西城区",
    "110105": "朝阳区",
    "110106": "丰台区",
    "110107": "石景山区",
    "110108": "海淀区",
    "110109": "门头沟区",
    "110111": "房山区",
    "110112": "通州区",
    "110113": "顺义区",
    "110114": "昌平区",
    "110115": "大兴区",
    "110116": "怀柔区",
    "110117": "平谷区",
    "110118": "密云区",
    "110119": "延庆区",
}

TOP_CATEGORIES = {
    "疫情防控",
    "市场管理",
    "住房",
    "城乡建设",
    "交通管理",
    "公共服务",
    "社会秩序",
    "卫生健康",
    "教育",
    "劳动和社会保障",
}

TIME_LIMITS = {"urgent", "utility", "normal", "complex"}


def _load(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _check_children(parent, children, width, seen):
    names = [c["name"] for c in children]
    assert len(names) == len(set(names)), f"duplicate names under {parent['name']}"
    for child in children:
        code = child["code"]
        assert code not in seen, f"duplicate code {code}"
        seen.add(code)
        assert code.startswith(parent["code"]), code
        assert len(code) == len(parent["code"]) + width, code
        assert code.isdigit(), code


def test_places():
    districts = _load("places.json")["districts"]
    assert {d["code"]: d["name"] for d in districts} == DISTRICTS
    assert len(districts) == 16
    seen = set()
    for district in districts:
        assert district["code"] not in seen
        seen.add(district["code"])
        assert district["weight"] > 0
        streets = district["streets"]
        assert len(streets) >= 6, district["name"]
        _check_children(district, streets, 3, seen)
        for street in streets:
            assert street["kind"] in {"街道", "乡", "镇", "地区"}, street["name"]
            communities = street["communities"]
            assert len(communities) >= 3, street["name"]
            _check_children(street, communities, 3, seen)


def test_categories():
    categories = _load("categories.json")["categories"]
    assert TOP_CATEGORIES <= {c["name"] for c in categories}
    assert len({c["name"] for c in categories}) == len(categories)
    seen = set()
    for level1 in categories:
        assert level1["code"] not in seen
        seen.add(level1["code"])
        assert len(level1["code"]) == 2
        assert level1["weight"] > 0
        assert level1["children"], level1["name"]
        _check_children(level1, level1["children"], 2, seen)
        for level2 in level1["children"]:
            assert level2["children"], level2["name"]
            _check_children(level2, level2["children"], 2, seen)
            for leaf in level2["children"]:
                assert "children" not in leaf
                assert leaf["time_limit"] in TIME_LIMITS, leaf["name"]
