"""Reference data for the submission form's pickers, and the labels the page shows."""

from __future__ import annotations

from tests.miniapp_api.helpers import API


def _get(client, path):
    return client.get(API + path)


def test_places_one_level_at_a_time(client, world):
    districts = _get(client, "/places/districts").get_json()["items"]
    assert districts == [{"code": "110105", "name": "朝阳区"}, {"code": "110108", "name": "海淀区"}]
    streets = _get(client, "/places/streets?parent=110105").get_json()["items"]
    assert [s["name"] for s in streets] == ["望京街道", "酒仙桥街道"]
    communities = _get(client, "/places/communities?parent=110105001").get_json()["items"]
    assert communities == [{"code": "110105001001", "name": "望京西园社区"}]


def test_unknown_or_missing_parent(client, world):
    resp = _get(client, "/places/streets?parent=999999")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["message"] == "区编码 999999 不存在"
    resp = _get(client, "/places/communities")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["fields"]["parent"] == ["此项为必填项"]


def test_categories_tree(client, world):
    top = _get(client, "/categories").get_json()["items"]
    assert top == [{"code": "03", "name": "住房", "level": 1}]
    leaves = _get(client, "/categories?parent=0301").get_json()["items"]
    assert [c["name"] for c in leaves] == ["电梯维修", "燃气泄漏"]
    assert _get(client, "/categories?parent=77").status_code == 404


def test_options_give_the_chinese_labels(client):
    body = _get(client, "/options").get_json()
    assert {"value": "complaint", "label": "投诉"} in body["kinds"]
    assert {"value": "basically", "label": "基本满意"} in body["satisfactions"]
    assert {"value": "partly", "label": "部分解决"} in body["resolutions"]
    assert body["comment_max"] == 500
    assert body["rating_window_days"] == 7
