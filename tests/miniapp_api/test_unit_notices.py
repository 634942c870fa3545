"""催办 reaches the unit: the requester urges an overdue order, the worker turns the event
into a notice for the lead unit, and the unit's handlers list and mark it read in the staff
API. Other units and the requester's own inbox see nothing of it."""

from __future__ import annotations

import pytest

from tests.fakes.wechat_server import wechat_server as _wechat_server  # noqa: F401  (fixture)
from tests.hotline.notifications import support
from tests.miniapp_api.test_actions import act, overdue_order
from tests.miniapp_api.test_messages import sms_login

NOTICES = "/staff/api/v1/notices"


@pytest.fixture
def app(make_citizen_app, wechat_server, tmp_path):
    support.RecordingSender.reset()
    app = make_citizen_app(**support.notify_config(wechat_server, tmp_path))
    with app.app_context():
        support.forget_tokens()
        yield app
    support.RecordingSender.reset()


@pytest.fixture
def citizen(client):
    """The requester, logged in by SMS through the recording gateway."""
    cache = {}

    def headers() -> dict:
        if not cache:
            cache["h"] = sms_login(client)
        return cache["h"]

    return headers


def notices(client, headers, **query) -> dict:
    resp = client.get(NOTICES, query_string=query, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_an_urge_becomes_a_notice_of_the_lead_unit(app, client, world, citizen, staff_headers):
    order = overdue_order(world)
    handler = staff_headers("h_wangjing")
    assert act(client, citizen(), order, "urge").status_code == 201
    # Written by the worker, not by the request.
    assert notices(client, handler)["total"] == 0
    support.drain(app)

    page = notices(client, handler)
    assert page["total"] == 1
    assert page["unread"] == 1
    notice = page["items"][0]
    assert notice["order_no"] == order.order_no
    assert notice["kind"] == "urged"
    assert notice["kind_label"] == "催办"
    assert notice["title"].startswith("诉求人于")
    assert notice["title"].endswith("（已超期）")
    assert order.order_no in notice["title"]
    assert "欧阳" not in notice["title"]
    assert notice["read"] is False

    # Draining again writes nothing more.
    support.drain(app)
    assert notices(client, handler)["total"] == 1

    # Another unit's handler sees nothing; nor does the requester's inbox.
    assert notices(client, staff_headers("h_jiuxianqiao"))["total"] == 0
    inbox = client.get("/api/v1/me/messages", headers=citizen()).get_json()
    assert inbox["total"] == 0

    # Marking it read: once per unit, and the unread filter follows.
    resp = client.post(f"{NOTICES}/read", json={"ids": [notice["id"]]}, headers=handler)
    assert resp.status_code == 200
    assert resp.get_json() == {"marked": 1}
    page = notices(client, handler)
    assert page["unread"] == 0
    assert page["items"][0]["read"] is True
    assert notices(client, handler, unread="true")["total"] == 0
    again = client.post(f"{NOTICES}/read", json={}, headers=handler)
    assert again.get_json() == {"marked": 0}


def test_another_units_notice_cannot_be_marked(app, client, world, citizen, staff_headers):
    order = overdue_order(world)
    act(client, citizen(), order, "urge")
    support.drain(app)
    notice_id = notices(client, staff_headers("h_wangjing"))["items"][0]["id"]
    resp = client.post(
        f"{NOTICES}/read", json={"ids": [notice_id]}, headers=staff_headers("h_jiuxianqiao")
    )
    assert resp.status_code == 404
    assert resp.get_json()["error"]["message"] == "没有这条通知"
    assert notices(client, staff_headers("h_wangjing"))["unread"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"ids": []}, "一次标记 1 到 200 条"),
        ({"ids": ["x"]}, None),
        ({"ids": [0]}, None),
        ({"ids": [10**30]}, None),
        ({"other": 1}, None),
    ],
)
def test_bad_mark_requests_are_refused(app, client, staff_headers, body, message):
    resp = client.post(f"{NOTICES}/read", json=body, headers=staff_headers("h_wangjing"))
    assert resp.status_code == 422
    if message:
        assert message in str(resp.get_json()["error"])


def test_staff_outside_a_unit_have_no_notices(app, client, staff_headers):
    resp = client.get(NOTICES, headers=staff_headers("dispatcher"))
    assert resp.status_code == 403
    assert resp.get_json()["error"]["message"] == "您不属于承办单位，没有单位通知"
