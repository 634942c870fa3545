"""Lookup without login: order number + query code. A wrong code and an unknown order get
the identical answer; attempts are limited per order number and per client address."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.enums import Channel, OrderKind
from hotline.services import intake
from hotline.services.actors import Actor
from privacy.models import AccessLogEntry
from tests.miniapp_api.helpers import API, make_order


def _new_order(world):
    """An order received through intake, with the query code handed out."""
    result = intake.receive(
        Actor.of(world.users["agent"]),
        channel=Channel.PHONE,
        kind=OrderKind.HELP,
        district=world.districts["chaoyang"],
        street=world.streets["wangjing"],
        content="楼道灯不亮，请物业维修。联系电话13811112222",
        requester=intake.Requester(name="李雷", phone="13811112222"),
    )
    db.session.commit()
    return result.order.order_no, result.query_code


def _lookup(client, order_no, code, addr="192.0.2.1"):
    return client.post(
        f"{API}/lookup",
        json={"order_no": order_no, "query_code": code},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_the_right_code_returns_the_public_view(client, world):
    order_no, code = _new_order(world)
    resp = _lookup(client, order_no, code)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["order_no"] == order_no
    assert body["status_label"] == "已受理"
    assert body["requester"] == {"name": "李*", "phone": "138****2222", "address": None}
    assert body["content"] == "楼道灯不亮，请物业维修。联系电话[手机号]"
    assert "13811112222" not in resp.get_data(as_text=True)


def test_wrong_code_and_unknown_order_get_the_identical_answer(client, world):
    order_no, code = _new_order(world)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    miss_code = _lookup(client, order_no, wrong)
    miss_order = _lookup(client, "20990101000000", code)
    assert miss_code.status_code == miss_order.status_code == 404
    assert miss_code.get_data() == miss_order.get_data()
    assert miss_code.get_json()["error"] == {
        "code": "order_not_found",
        "message": "未找到该工单，请核对工单编号和查询码",
        "details": {},
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"order_no": "20260101000001", "query_code": "123"}, "query_code", "查询码应为8位数字"),
        ({"order_no": "2026 01", "query_code": "12345678"}, "order_no", "工单编号格式不正确"),
        ({"query_code": "12345678"}, "order_no", "此项为必填项"),
    ],
)
def test_malformed_input_is_a_422(client, body, field, message):
    resp = client.post(f"{API}/lookup", json=body)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["fields"][field] == [message]


def test_guessing_codes_for_one_order_hits_429(make_citizen_app, world):
    app = make_citizen_app(limits={"lookup_order": "3/hour"})
    client = app.test_client()
    order_no, code = _new_order(world)
    # Three guesses from three addresses: the per-order limit is spent...
    for i in range(3):
        assert _lookup(client, order_no, "00000000", addr=f"192.0.2.{i + 1}").status_code == 404
    # ...so a fourth guess from a fresh address is refused, even with the right code.
    resp = _lookup(client, order_no, code, addr="198.51.100.7")
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.get_json()["error"]["message"] == "请求过于频繁，请稍后再试"
    # Other orders are not affected.
    assert _lookup(client, "20990101000000", code, addr="198.51.100.7").status_code == 404


def test_enumerating_order_numbers_hits_429_per_client(make_citizen_app, world):
    app = make_citizen_app(limits={"lookup_client": "5/hour"})
    client = app.test_client()
    for n in range(5):
        assert _lookup(client, f"2026010100000{n}", "12345678").status_code == 404
    resp = _lookup(client, "20260101000009", "12345678")
    assert resp.status_code == 429
    assert "Retry-After" in resp.headers
    # Another client is still answered.
    assert _lookup(client, "20260101000009", "12345678", addr="203.0.113.5").status_code == 404


def test_lookup_writes_no_access_log_entry(client, world):
    make_order(world)
    order_no, code = _new_order(world)
    before = db.session.scalar(select(func.count()).select_from(AccessLogEntry))
    assert _lookup(client, order_no, code).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == before
