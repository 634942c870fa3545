"""The in-app inbox, notification settings, subscription consents and following a merged
order, through the citizen API — with staff steps taken through the staff API and the
notification worker drained in between."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.notifications import InboxMessage, OrderFollow
from hotline.services import intake
from hotline.services.citizen import auth as citizen_auth
from tests.fakes.wechat_server import wechat_server as _wechat_server  # noqa: F401  (fixture)
from tests.hotline.notifications import support
from tests.hotline.notifications.support import RecordingSender
from tests.miniapp_api.helpers import API, OTHER_PHONE, PHONE

STAFF = "/staff/api/v1"


@pytest.fixture
def app(make_citizen_app, wechat_server, tmp_path):
    support.RecordingSender.reset()
    app = make_citizen_app(**support.notify_config(wechat_server, tmp_path))
    with app.app_context():
        support.forget_tokens()
        yield app
    support.RecordingSender.reset()


def sms_login(client, phone: str = PHONE) -> dict:
    assert client.post(f"{API}/auth/sms-code", json={"phone": phone}).status_code == 200
    code = next(c for p, c in reversed(RecordingSender.codes) if p == phone)
    resp = client.post(f"{API}/auth/token", json={"phone": phone, "code": code})
    assert resp.status_code == 201
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def _steps(client, staff_headers, order_no: str) -> None:
    """Dispatch, accept and contact through the staff API: three notifications."""
    for user, path, body in (
        ("dispatcher", "dispatch", {"unit_code": "S110105001"}),
        ("h_wangjing", "accept", None),
        ("h_wangjing", "contact", {"note": "已电话联系"}),
    ):
        resp = client.post(
            f"{STAFF}/orders/{order_no}/{path}", json=body, headers=staff_headers(user)
        )
        assert resp.status_code == 200, resp.get_json()


def test_a_staff_step_reaches_the_citizens_inbox(app, client, world, staff_headers):
    order = support.new_order(world)
    headers = sms_login(client)
    _steps(client, staff_headers, order.order_no)
    assert client.get(f"{API}/me/messages", headers=headers).get_json()["total"] == 0

    support.drain(app)

    body = client.get(f"{API}/me/messages", headers=headers).get_json()
    assert (body["total"], body["unread"]) == (3, 3)
    newest = body["items"][0]
    assert newest["order_no"] == order.order_no
    assert (newest["kind"], newest["kind_label"]) == ("contacted", "联系诉求人")
    assert newest["title"] == "承办单位已联系您"
    assert newest["body"] == f"北京市朝阳区望京街道办事处已就您的工单{order.order_no}与您联系。"
    assert newest["read_at"] is None
    assert [i["kind"] for i in body["items"]] == ["contacted", "accepted", "dispatched"]
    assert len(RecordingSender.sent) == 3  # no WeChat binding: by SMS as well


def test_inbox_pages_unread_filter_and_mark_read(app, client, world, staff_headers):
    order = support.new_order(world)
    headers = sms_login(client)
    other = sms_login(client, OTHER_PHONE)
    _steps(client, staff_headers, order.order_no)
    support.drain(app)

    first = client.get(f"{API}/me/messages?per_page=2", headers=headers).get_json()
    second = client.get(f"{API}/me/messages?per_page=2&page=2", headers=headers).get_json()
    assert [len(first["items"]), len(second["items"])] == [2, 1]
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(set(ids)) == 3

    # Someone else's ids are ignored; one of mine is marked.
    resp = client.post(f"{API}/me/messages/read", json={"ids": ids[:1]}, headers=other)
    assert resp.get_json() == {"marked": 0, "unread": 0}
    resp = client.post(f"{API}/me/messages/read", json={"ids": ids[:1]}, headers=headers)
    assert resp.get_json() == {"marked": 1, "unread": 2}
    unread = client.get(f"{API}/me/messages?unread=true", headers=headers).get_json()
    assert [i["id"] for i in unread["items"]] == ids[1:]
    resp = client.post(f"{API}/me/messages/read", json={"all": True}, headers=headers)
    assert resp.get_json() == {"marked": 2, "unread": 0}
    listed = client.get(f"{API}/me/messages", headers=headers).get_json()["items"]
    assert all(i["read_at"] for i in listed)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/me/messages?per_page=0", None),
        ("get", "/me/messages?page=x", None),
        ("get", "/me/messages?sort=new", None),
        ("post", "/me/messages/read", {}),
        ("post", "/me/messages/read", {"ids": []}),
        ("post", "/me/messages/read", {"ids": ["a"]}),
        ("post", "/me/messages/read", {"ids": list(range(1, 102))}),
        ("post", "/me/messages/read", {"ids": [2**31]}),  # past the id column (500 on PG)
        ("put", "/me/preferences", {"kinds": {"urged": False}}),
        ("put", "/me/preferences", {"sms": "maybe"}),
        ("put", "/me/preferences", {"email": True}),
        ("post", "/me/subscriptions", {"template_ids": []}),
        ("post", "/me/subscriptions", {"template_ids": ["x" * 65]}),
    ],
)
def test_bad_input_gets_a_chinese_422(app, client, method, path, body):
    headers = sms_login(client)
    resp = getattr(client, method)(f"{API}{path}", json=body, headers=headers)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["fields"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me/messages"),
        ("post", "/me/messages/read"),
        ("get", "/me/preferences"),
        ("put", "/me/preferences"),
        ("post", "/me/subscriptions"),
        ("delete", "/orders/20261130000001/follow"),
    ],
)
def test_every_inbox_endpoint_needs_a_login(client, method, path):
    resp = getattr(client, method)(f"{API}{path}", json={})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["message"] == "请先登录"


def test_preferences_default_on_change_partly_and_are_obeyed(app, client, world, staff_headers):
    headers = sms_login(client)
    body = client.get(f"{API}/me/preferences", headers=headers).get_json()
    assert (body["wechat"], body["sms"], body["wechat_bound"]) == (True, True, False)
    assert set(body["kinds"].values()) == {True}
    assert body["labels"]["extended"] == "延期"

    resp = client.put(f"{API}/me/preferences", json={"kinds": {"accepted": False}}, headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["kinds"]["accepted"] is False
    assert resp.get_json()["sms"] is True  # left as it was
    order = support.new_order(world)
    _steps(client, staff_headers, order.order_no)
    support.drain(app)

    assert len(RecordingSender.sent) == 2  # dispatch and contact; acceptance muted
    assert client.get(f"{API}/me/messages", headers=headers).get_json()["total"] == 3


def test_consents_need_a_wechat_binding_and_count_one_time_ones(app, client, wechat_server):
    headers = sms_login(client)
    body = {"template_ids": [support.TEMPLATE]}
    resp = client.post(f"{API}/me/subscriptions", json=body, headers=headers)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "wechat_not_bound"

    wechat_server.add_login_code("c1", openid="o-1")
    ticket = client.post(f"{API}/auth/wechat", json={"code": "c1"}).get_json()["ticket"]
    wechat_server.add_phone_code("p1", PHONE)
    client.post(f"{API}/auth/wechat/phone", json={"ticket": ticket, "code": "p1"})

    for expected in (1, 2):
        resp = client.post(f"{API}/me/subscriptions", json=body, headers=headers)
        assert resp.status_code == 200
        assert resp.get_json()["items"] == [
            {"template_id": support.TEMPLATE, "long_term": False, "remaining": expected}
        ]
    resp = client.post(f"{API}/me/subscriptions", json={**body, "long_term": True}, headers=headers)
    assert resp.get_json()["items"][0]["long_term"] is True
    unknown = client.post(
        f"{API}/me/subscriptions", json={"template_ids": ["not-ours"]}, headers=headers
    )
    assert unknown.status_code == 422
    prefs = client.get(f"{API}/me/preferences", headers=headers).get_json()
    assert prefs["wechat_bound"] is True


def _merge_from(world, earlier, phone: str, **overrides):
    """A neighbour (``phone``) forwards the same text about the same lift in the same
    community: merged into ``earlier`` by the repeat rule, and the neighbour follows it."""
    fields = dict(
        channel="phone",
        kind="complaint",
        district=world.districts["chaoyang"],
        street=world.streets["wangjing"],
        community=world.communities["wangjing_xiyuan"],
        category=world.categories["lift"],
        content="望京西园三区5号楼电梯停运三天，物业一直不修，老人上下楼很困难！",
        requester=intake.Requester(name="李四", phone=phone),
    )
    result = intake.receive(support.actor(world, "agent"), **{**fields, **overrides})
    db.session.commit()
    return result


def test_a_merged_repeat_follows_the_order_sees_its_timeline_but_nothing_of_the_requester(
    app, client, world, staff_headers
):
    order = support.new_order(world)  # filed by PHONE
    assert _merge_from(world, order, OTHER_PHONE).merged
    follower = sms_login(client, OTHER_PHONE)

    listed = client.get(f"{API}/orders", headers=follower).get_json()["items"]
    assert [(o["order_no"], o["following"], o["summary"]) for o in listed] == [
        (order.order_no, True, None)
    ]
    _steps(client, staff_headers, order.order_no)
    detail = client.get(f"{API}/orders/{order.order_no}", headers=follower).get_json()
    assert detail["following"] is True
    assert (detail["requester"], detail["content"]) == (None, None)
    assert detail["rating"]["can_rate"] is False
    assert [e["type"] for e in detail["timeline"]][:3] == [
        "received",
        "merged_repeat",
        "dispatched",
    ]
    text = str(detail)
    assert "欧阳" not in text
    assert "电梯停运三天" not in text
    owner = client.get(f"{API}/orders/{order.order_no}", headers=sms_login(client)).get_json()
    assert owner["following"] is False
    assert owner["requester"]["name"] == "欧阳**"

    support.drain(app)
    messages = client.get(f"{API}/me/messages", headers=follower).get_json()["items"]
    assert [m["title"] for m in messages] == [
        "承办单位已联系诉求人",
        "承办单位已签收",
        "工单已派单",
    ]
    assert all(m["following"] for m in messages)
    assert messages[2]["body"].startswith("您关注的工单")
    phones = sorted({p for p, _, _ in RecordingSender.sent})
    assert phones == sorted([PHONE, OTHER_PHONE])  # the follower's phone was kept sealed


def test_a_follower_cannot_rate_the_requester_does_once(app, client, world, staff_headers):
    order = support.new_order(world)
    assert _merge_from(world, order, OTHER_PHONE).merged
    handler = support.actor(world, "h_wangjing")
    from hotline.services import lifecycle

    support.dispatch(world, order)
    lifecycle.accept(order, handler)
    lifecycle.complete(order, handler, "已更换电梯主板，恢复运行。")
    db.session.commit()
    body = {"resolution": "yes", "satisfaction": "satisfied"}
    url = f"{API}/orders/{order.order_no}/rating"

    refused = client.post(url, json=body, headers=sms_login(client, OTHER_PHONE))
    rated = client.post(url, json=body, headers=sms_login(client))

    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "follower_cannot_rate"
    assert rated.status_code == 201
    assert len(order.ratings) == 1


def test_unfollowing_removes_the_order_and_its_news(app, client, world, staff_headers):
    order = support.new_order(world)
    assert _merge_from(world, order, OTHER_PHONE).merged
    follower = sms_login(client, OTHER_PHONE)
    url = f"{API}/orders/{order.order_no}/follow"

    assert client.delete(url, headers=follower).status_code == 204
    assert client.get(f"{API}/orders", headers=follower).get_json()["items"] == []
    assert client.get(f"{API}/orders/{order.order_no}", headers=follower).status_code == 404
    assert client.delete(url, headers=follower).status_code == 404
    owner = client.delete(url, headers=sms_login(client))
    assert owner.status_code == 409
    assert owner.get_json()["error"]["code"] == "own_order"
    unknown = client.delete(f"{API}/orders/20990101000001/follow", headers=follower)
    assert unknown.status_code == 404

    _steps(client, staff_headers, order.order_no)
    support.drain(app)
    assert client.get(f"{API}/me/messages", headers=follower).get_json()["total"] == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"content": "望京西园三区5号楼电梯又坏了，已经停了好几天，请尽快派人维修。"},
        {"content": "望京西园三区6号楼电梯停运三天，物业一直不修，老人上下楼很困难！"},
        {"category": "gas"},
        {"community": None},
        {"confidential": True},
    ],
    ids=["different-words", "other-building", "other-category", "no-community", "confidential"],
)
def test_another_phone_is_merged_only_with_the_same_text_place_and_category(app, world, overrides):
    order = support.new_order(world)
    if "category" in overrides:
        overrides["category"] = world.categories[overrides["category"]]
    result = _merge_from(world, order, OTHER_PHONE, **overrides)
    assert not result.merged
    assert result.order.id != order.id
    assert db.session.scalar(select(OrderFollow)) is None


def test_a_confidential_order_takes_no_followers(app, world):
    order = support.new_order(world)
    order.confidential = True
    db.session.commit()
    assert not _merge_from(world, order, OTHER_PHONE).merged


def test_a_repeat_from_the_same_phone_needs_no_follow(app, world):
    order = support.new_order(world)
    again = support.new_order(world)  # the same phone, text and street: merged
    assert again.id == order.id
    assert db.session.scalar(select(OrderFollow)) is None


def test_the_inbox_answers_for_the_messages_of_one_phone_only(app, client, world, staff_headers):
    order = support.new_order(world)
    _steps(client, staff_headers, order.order_no)
    support.drain(app)
    other = sms_login(client, OTHER_PHONE)
    assert client.get(f"{API}/me/messages", headers=other).get_json()["total"] == 0
    bidx = citizen_auth.phone_bidx(PHONE)
    assert db.session.scalars(select(InboxMessage.phone_bidx)).all() == [bidx] * 3
