"""Two staff steps on one order at the same moment (a double tap, or two colleagues): one
of them is taken, the other is refused with 409 and a Chinese message, and the timeline
holds the step once. Never a 500: the row lock serialises them on PostgreSQL, and on SQLite,
which has no row locks, the timeline's unique sequence number refuses the second one."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.orders import Order, OrderEvent
from tests.miniapp_api.helpers import make_order

REFUSED = {"illegal_step", "concurrent_update"}


def _at_once(app, requests) -> list:
    """Send the requests from as many threads, released together; their responses."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def send(i, path, body, headers):
        client = app.test_client()
        barrier.wait()
        responses[i] = client.post(path, json=body, headers=headers)

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return responses


def _events(order_id: int, type_: str) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(OrderEvent)
    return db.session.scalar(query.where(OrderEvent.order_id == order_id, OrderEvent.type == type_))


@pytest.mark.parametrize("attempt", range(4))
def test_a_double_tap_on_complete_completes_once(app, world, staff_headers, attempt):
    order = make_order(world, state="accepted")
    handler = staff_headers("h_wangjing")
    path = f"/staff/api/v1/orders/{order.order_no}/complete"
    reply = {"reply": "已更换电梯主板，恢复运行。"}
    first, second = _at_once(app, [(path, reply, handler), (path, reply, handler)])
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    refused = second if second.status_code == 409 else first
    assert refused.get_json()["error"]["code"] in REFUSED
    assert "工单" in refused.get_json()["error"]["message"]
    assert _events(order.id, "completed") == 1
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "completed"


def test_complete_and_escalate_at_once_leave_one_consistent_timeline(app, world, staff_headers):
    order = make_order(world, state="accepted")
    handler, supervisor = staff_headers("h_wangjing"), staff_headers("supervisor")
    base = f"/staff/api/v1/orders/{order.order_no}"
    responses = _at_once(
        app,
        [
            (f"{base}/complete", {"reply": "已更换电梯主板，恢复运行。"}, handler),
            (f"{base}/escalate", {"reason": "多次投诉未解决，提级督办"}, supervisor),
        ],
    )
    assert all(r.status_code in (200, 409) for r in responses), [r.status_code for r in responses]
    db.session.expire_all()
    seqs = db.session.scalars(
        select(OrderEvent.seq).where(OrderEvent.order_id == order.id).order_by(OrderEvent.seq)
    ).all()
    assert seqs == list(range(1, len(seqs) + 1))  # no gap, no fork
