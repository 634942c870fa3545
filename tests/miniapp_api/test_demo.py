"""`flask citizen demo`: the demo phone gets orders with full timelines, once."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.orders import Order
from tests.miniapp_api.helpers import API, login

DEMO = "13800138000"


def test_demo_orders_for_the_demo_phone(app, world, runner, client):
    result = runner.invoke(args=["citizen", "demo"])
    assert result.exit_code == 0, result.output
    assert "138****8000: 8 orders" in result.output
    assert db.session.scalar(select(func.count(Order.id))) == 8
    again = runner.invoke(args=["citizen", "demo"])
    assert "nothing created" in again.output

    headers = login(client, DEMO)
    items = client.get(f"{API}/orders", headers=headers).get_json()["items"]
    assert len(items) == 8
    statuses = {o["status"] for o in items}
    assert {"completed", "accepted", "closed", "answered"} <= statuses
    assert any(o["overdue"] for o in items)
    details = [
        client.get(f"{API}/orders/{o['order_no']}", headers=headers).get_json() for o in items
    ]
    assert any(d["rating"]["can_rate"] for d in details)
    assert any(d["extensions"] for d in details)
    assert any(d["returns"] for d in details)
    assert any(d["confidential"] and d["requester"] is None for d in details)
    assert all(len(d["timeline"]) >= 2 for d in details)
