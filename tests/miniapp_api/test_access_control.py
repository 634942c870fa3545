"""No phone can read or act on another phone's order: every order endpoint answers 404,
with the same body as for an order that does not exist."""

from __future__ import annotations

import pytest

from tests.miniapp_api.helpers import API, OTHER_PHONE, make_order

ORDER_ENDPOINTS = [
    ("get", "/orders/{no}", None),
    ("post", "/orders/{no}/rating", {"resolution": "yes", "satisfaction": "satisfied"}),
]
AUTH_ENDPOINTS = [
    ("get", "/me"),
    ("post", "/auth/logout"),
    ("get", "/orders"),
    ("post", "/orders"),
    ("get", "/orders/20260101000001"),
    ("post", "/orders/20260101000001/rating"),
]


@pytest.mark.parametrize(("method", "path", "body"), ORDER_ENDPOINTS)
def test_another_phones_order_is_404_like_an_unknown_one(
    client, world, citizen, method, path, body
):
    order = make_order(world)  # belongs to PHONE
    intruder = citizen(OTHER_PHONE)
    theirs = getattr(client, method)(
        API + path.format(no=order.order_no), json=body, headers=intruder
    )
    unknown = getattr(client, method)(
        API + path.format(no="20990101000000"), json=body, headers=intruder
    )
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.get_data() == unknown.get_data()
    assert theirs.get_json()["error"]["message"] == "未找到该工单，请核对工单编号"
    # The owner is answered.
    owner = getattr(client, method)(
        API + path.format(no=order.order_no), json=body, headers=citizen()
    )
    assert owner.status_code in (200, 201)


def test_another_phones_order_is_not_listed(client, world, citizen):
    make_order(world)
    body = client.get(f"{API}/orders", headers=citizen(OTHER_PHONE)).get_json()
    assert body["items"] == []
    assert body["total"] == 0


def test_an_order_without_phone_belongs_to_nobody(client, world, citizen):
    order = make_order(world, None)
    assert client.get(f"{API}/orders/{order.order_no}", headers=citizen()).status_code == 404


@pytest.mark.parametrize(("method", "path"), AUTH_ENDPOINTS)
def test_every_citizen_endpoint_needs_a_token(client, method, path):
    resp = getattr(client, method)(API + path, json={})
    assert resp.status_code == 401
    assert resp.get_json()["error"] == {
        "code": "missing_token",
        "message": "请先登录",
        "details": {},
    }
