"""What the H5 page needed from the citizen API (issue 15): every round's rating stays in
the answer after a reopening, the handler block names the current round's handler, each
handling step names who took it, and the requester sees their own address as they typed
it, cut at the community, while everyone else still sees the street at most."""

from __future__ import annotations

import pytest

from hotline.extensions import db
from hotline.models.orders import Order
from hotline.services import lifecycle
from hotline.services.actors import Actor
from hotline.services.notifications import follows
from privacy.masking import mask_address, mask_own_address
from tests.miniapp_api.helpers import API, login, make_order

BAD = {"resolution": "no", "satisfaction": "dissatisfied", "comment": "灯只亮了一晚，打13812345678"}


def _detail(client, headers, order_no: str) -> dict:
    resp = client.get(f"{API}/orders/{order_no}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _rate(client, headers, order_no: str, **body):
    return client.post(f"{API}/orders/{order_no}/rating", json=body, headers=headers)


def test_every_rounds_rating_stays_after_a_reopening(client, world, citizen):
    order = make_order(world)
    headers = citizen()
    reopened = _rate(client, headers, order.order_no, **BAD, reopen=True)
    assert reopened.status_code == 201
    body = reopened.get_json()
    assert body["round"] == 2
    assert body["rating"]["mine"] is None  # nothing rated in round 2 yet
    (first,) = body["rating"]["history"]
    assert first["round"] == 1
    assert (first["resolution_label"], first["satisfaction_label"]) == ("未解决", "不满意")
    assert first["comment"] == "灯只亮了一晚，打[手机号]"
    assert first["reopen_requested"] is True
    assert _detail(client, headers, order.order_no)["rating"]["history"] == [first]

    db.session.expire_all()
    order = db.session.get(Order, order.id)
    handler = Actor.of(world.users["h_wangjing"])
    lifecycle.accept(order, handler)
    lifecycle.complete(order, handler, "已更换电缆，连续三晚照明正常。")
    db.session.commit()
    again = _rate(client, headers, order.order_no, resolution="yes", satisfaction="satisfied")
    assert again.status_code == 201
    state = again.get_json()["rating"]
    assert [r["round"] for r in state["history"]] == [1, 2]
    assert state["mine"] == state["history"][1]
    assert state["mine"]["satisfaction_label"] == "满意"
    # The cached answer (a second read) carries the same history.
    assert _detail(client, headers, order.order_no)["rating"]["history"] == state["history"]


def test_a_follower_sees_no_rating_of_the_requester(client, world, citizen):
    order = make_order(world)
    body = _rate(client, citizen(), order.order_no, **BAD, reopen=True).get_json()
    assert body["rating"]["history"]
    seen = follows.follower_view(body)
    assert seen["rating"]["history"] == []
    assert seen["rating"]["mine"] is None
    assert "灯只亮了一晚" not in str(seen)


def test_the_handler_block_is_the_current_rounds(client, world, citizen):
    order = make_order(world)
    headers = citizen()
    before = _detail(client, headers, order.order_no)["handler"]
    assert before["name"] == "王**"
    body = _rate(client, headers, order.order_no, **BAD, reopen=True).get_json()
    # Round 2 has no handler yet: only the unit's service phone, not round 1's person.
    assert body["handler"] == {"name": None, "staff_no": None, "service_phone": "010-84721234"}
    db.session.expire_all()
    lifecycle.accept(db.session.get(Order, order.id), Actor.of(world.users["h_wangjing"]))
    db.session.commit()
    assert _detail(client, headers, order.order_no)["handler"]["name"] == "王**"


def test_each_handling_step_names_who_took_it(client, world, citizen):
    order = make_order(world)
    staff_no = world.users["h_wangjing"].staff_no
    steps = {
        e["type"]: e["handler"] for e in _detail(client, citizen(), order.order_no)["timeline"]
    }
    for step in ("accepted", "contacted", "progress", "completed"):
        assert steps[step] == {"name": "王**", "staff_no": staff_no}, step
    for step in ("received", "dispatched"):
        assert steps[step] is None, step


def test_handlers_per_step_follow_the_setting(make_citizen_app, world):
    client = make_citizen_app(CITIZEN_SHOW_HANDLER=False).test_client()
    order = make_order(world)
    body = _detail(client, login(client), order.order_no)
    assert all(e["handler"] is None for e in body["timeline"])
    assert "王**" not in str(body)


OWN_ADDRESSES = [
    ("北京市朝阳区望京街道望京西园三区5号楼2单元501", "北京市朝阳区望京街道望京西园三区"),
    ("望京西园三区5号楼2单元501", "望京西园三区"),
    ("幸福里小区3号楼2单元301", "幸福里小区"),
    ("望京西园社区二号楼三单元", "望京西园社区"),
    ("朝阳区酒仙桥路4号院3号楼", "朝阳区酒仙桥路"),
    ("海淀区中关村大街27号", "海淀区中关村大街"),
    ("东城区东四十条甲3号", "东城区东四十条"),
    ("国贸大厦A座1001", "国贸大厦"),
    ("幸福里小区三号楼二单元五零一", "幸福里小区"),
    ("西城区什刹海街道 柳荫街 12 号", "西城区什刹海街道柳荫街"),
    ("5号楼2单元501", "***"),
    ("", ""),
    (None, None),
]


@pytest.mark.parametrize(("typed", "shown"), OWN_ADDRESSES)
def test_the_own_address_rule(typed, shown):
    assert mask_own_address(typed) == shown


def test_the_requester_sees_the_address_they_typed_up_to_the_community(client, world, citizen):
    headers = citizen()
    form = {
        "kind": "complaint",
        "district_code": "110105",
        "street_code": "110105001",
        "community_code": "110105001001",
        "address": "望京西园三区5号楼2单元501",
        "content": "楼道里的声控灯坏了一个月，晚上上楼看不见。",
        "channel": "web",
    }
    created = client.post(f"{API}/orders", json=form, headers=headers)
    assert created.status_code == 201, created.get_json()
    no, code = created.get_json()["order_no"], created.get_json()["query_code"]
    mine = _detail(client, headers, no)
    assert mine["requester"]["address"] == "望京西园三区"
    looked_up = client.post(f"{API}/lookup", json={"order_no": no, "query_code": code})
    assert looked_up.get_json()["requester"]["address"] == "望京西园三区"
    for shown in (str(mine), looked_up.get_data(as_text=True)):
        assert "5号楼" not in shown
        assert "单元" not in shown
    # Everyone else keeps the staff mask: nothing of an address without a street marker.
    assert mask_address(form["address"]) == "***"
