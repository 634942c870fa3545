"""Submission by a logged-in citizen: order number and query code back; a near-identical
request inside the window is merged into the earlier order and the answer says so."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.enums import Channel
from hotline.models.orders import Order
from privacy.blind_index import blind_index
from privacy.fields import open_field
from privacy.runtime import runtime
from tests.miniapp_api.helpers import API, OTHER_PHONE, PHONE


def _body(world, **overrides):
    body = {
        "kind": "complaint",
        "district_code": world.districts["chaoyang"].code,
        "street_code": world.streets["wangjing"].code,
        "community_code": world.communities["wangjing_xiyuan"].code,
        "category_code": world.categories["lift"].code,
        "address": "望京西园三区5号楼",
        "content": "望京西园三区5号楼电梯又停了，已经两天没人来修，老人上下楼非常困难。",
    }
    body.update(overrides)
    return body


def _submit(client, headers, body):
    return client.post(f"{API}/orders", json=body, headers=headers)


def test_submit_returns_number_and_code_and_stores_the_phone_sealed(client, world, citizen):
    resp = _submit(client, citizen(), _body(world, channel="web"))
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["merged"] is False
    assert len(body["query_code"]) == 8
    assert body["status_label"] == "已受理"
    assert body["message"] == "诉求已受理，请保存工单编号和查询码"
    order = db.session.scalar(select(Order).where(Order.order_no == body["order_no"]))
    assert order.phone_bidx == blind_index(runtime().ring, "phone", PHONE)
    assert order.channel == Channel.WEB
    assert order.confidential is False
    assert open_field(runtime().cipher, order, "requester_phone") == PHONE
    assert open_field(runtime().cipher, order, "requester_address") == "望京西园三区5号楼"
    assert order.created_by_id is None
    # The code works for lookup, and the order is in "my orders".
    lookup = client.post(
        f"{API}/lookup", json={"order_no": body["order_no"], "query_code": body["query_code"]}
    )
    assert lookup.status_code == 200
    mine = client.get(f"{API}/orders", headers=citizen()).get_json()["items"]
    assert [o["order_no"] for o in mine] == [body["order_no"]]


def test_default_channel_is_the_mini_program_and_confidential_is_kept(client, world, citizen):
    body = _body(world, confidential=True)
    del body["community_code"], body["category_code"], body["address"]
    resp = _submit(client, citizen(), body)
    assert resp.status_code == 201
    order = db.session.scalar(select(Order))
    assert order.channel == Channel.MINIAPP
    assert order.confidential is True


def test_a_near_identical_request_is_merged(client, world, citizen):
    headers = citizen()
    first = _submit(client, headers, _body(world)).get_json()
    resp = _submit(
        client,
        headers,
        _body(world, content="望京西园三区5号楼电梯又停了，已经两天没人来修，老人上下楼非常困难！"),
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["merged"] is True
    assert body["following"] is False
    assert body["order_no"] == first["order_no"]
    assert body["query_code"] is None
    assert body["message"] == f"您的诉求与工单 {first['order_no']} 相同，已合并办理"
    assert db.session.scalar(select(Order)).repeat_count == 1
    detail = client.get(f"{API}/orders/{first['order_no']}", headers=headers).get_json()
    assert detail["timeline"][-1]["label"] == "收到重复诉求"


def test_a_neighbours_identical_request_is_merged_and_followed(client, world, citizen):
    first = _submit(client, citizen(), _body(world)).get_json()
    neighbour = citizen(OTHER_PHONE)
    resp = _submit(client, neighbour, _body(world, address="望京西园三区5号楼2单元"))
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["merged"], body["following"]) == (True, True)
    assert body["order_no"] == first["order_no"]
    assert body["message"].startswith(f"您的诉求与他人已反映的工单 {first['order_no']} 相同")
    mine = client.get(f"{API}/orders", headers=neighbour).get_json()["items"]
    assert [(o["order_no"], o["following"]) for o in mine] == [(first["order_no"], True)]
    detail = client.get(f"{API}/orders/{first['order_no']}", headers=neighbour).get_json()
    assert detail["requester"] is None
    assert detail["content"] is None
    assert db.session.scalar(select(Order)).repeat_count == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"content": None}, "content", "此项不能为空"),
        ({"content": "太短"}, "content", "长度应在 5 到 1000 个字符之间"),
        ({"content": "长" * 1001}, "content", "长度应在 5 到 1000 个字符之间"),
        (
            {"kind": "rumour"},
            "kind",
            "取值应为以下之一：consultation, suggestion, tip_off, complaint, help, praise",
        ),
        ({"channel": "phone"}, "channel", "渠道只能是 miniapp 或 web"),
        ({"confidential": "maybe"}, "confidential", "应为 true 或 false"),
        ({"address": "地" * 201}, "address", "长度应在 0 到 200 个字符之间"),
        ({"requester": {"name": "x"}}, "requester", "不支持的字段"),
    ],
)
def test_bad_input_is_a_422_in_chinese(client, world, citizen, overrides, field, message):
    resp = _submit(client, citizen(), _body(world, **overrides))
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["message"] == "提交的内容有误，请检查后重试"
    assert error["details"]["fields"][field] == [message]


def test_missing_fields_are_listed(client, world, citizen):
    resp = _submit(client, citizen(), {})
    fields = resp.get_json()["error"]["details"]["fields"]
    assert resp.status_code == 422
    assert set(fields) == {"kind", "district_code", "street_code", "content"}
    assert all(v == ["此项为必填项"] for v in fields.values())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"street_code": "110108001"}, "所选街道乡镇不属于该区"),
        ({"district_code": "999999"}, "所选区不存在"),
        ({"community_code": "110105002001"}, "所选社区村不属于该街道乡镇"),
        ({"category_code": "99"}, "所选分类不存在"),
    ],
)
def test_places_must_exist_and_fit_together(client, world, citizen, overrides, message):
    resp = _submit(client, citizen(), _body(world, **overrides))
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == message
    assert db.session.scalar(select(Order)) is None
