"""Small helpers for driving the staff API in tests."""

from __future__ import annotations

API = "/staff/api/v1"


def new_order(client, headers, world, **overrides) -> dict:
    body = {
        "channel": "phone",
        "kind": "complaint",
        "category_code": world.categories["lift"].code,
        "district_code": world.districts["chaoyang"].code,
        "street_code": world.streets["wangjing"].code,
        "community_code": world.communities["wangjing_xiyuan"].code,
        "content": "望京西园三区5号楼电梯停运三天，物业一直不修，老人上下楼很困难。",
        "requester": {"name": "欧阳娜娜", "phone": "13812345678", "address": "望京西园三区5号楼"},
    }
    body.update(overrides)
    resp = client.post(f"{API}/orders", json=body, headers=headers)
    assert resp.status_code in (200, 201), resp.get_json()
    return resp.get_json()


def step(client, headers, order_no, action, expect=200, **body):
    resp = client.post(f"{API}/orders/{order_no}/{action}", json=body, headers=headers)
    assert resp.status_code == expect, (action, resp.status_code, resp.get_json())
    return resp.get_json()
