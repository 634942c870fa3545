"""The demo phone lets a newcomer try every citizen action on `make run`: an overdue order
to 催办, a dispatched one no unit accepted yet to 撤回, a unit's "after" photo, and staff
reads of the phone number to see in 我的数据."""

from __future__ import annotations

from tests.miniapp_api.helpers import API, login

DEMO = "13800138000"


def test_the_demo_phone_can_try_every_action(app, world, runner, client):
    assert runner.invoke(args=["citizen", "demo"]).exit_code == 0
    headers = login(client, DEMO)
    items = client.get(f"{API}/orders", headers=headers).get_json()["items"]
    details = {
        o["order_no"]: client.get(f"{API}/orders/{o['order_no']}", headers=headers).get_json()
        for o in items
    }
    urgeable = [no for no, d in details.items() if d["actions"]["can_urge"] and d["overdue"]]
    withdrawable = [no for no, d in details.items() if d["actions"]["can_withdraw"]]
    assert urgeable
    assert withdrawable
    photos = [p for d in details.values() for e in d["timeline"] for p in e["photos"]]
    assert [p["source"] for p in photos] == ["staff"]
    shown = client.get(photos[0]["thumb_url"], headers=headers)
    assert shown.status_code == 200
    assert shown.mimetype == "image/jpeg"

    urged = client.post(f"{API}/orders/{urgeable[0]}/urge", headers=headers)
    assert urged.get_json()["timeline"][-1]["label"] == "催办"
    withdrawn = client.post(
        f"{API}/orders/{withdrawable[0]}/withdraw", json={"reason": "已解决"}, headers=headers
    )
    assert withdrawn.get_json()["status_label"] == "已撤回"

    reads = client.get(f"{API}/me/reads", headers=headers).get_json()
    assert reads["total"] >= 3
    by_unit = [r for r in reads["items"] if r["role"] == "承办人员"]
    assert by_unit
    assert "电话" in by_unit[0]["fields_read"]
    assert by_unit[0]["purpose"]
    assert by_unit[0]["unit"]
