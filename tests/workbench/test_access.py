"""Who may do what: authentication, the role × step matrix, unit checks, illegal steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.units import StaffToken
from tests.workbench.helpers import API, new_order, step

STEPS = [
    "answer",
    "dispatch",
    "accept",
    "contact",
    "progress",
    "return",
    "dispute",
    "dispute/reject",
    "extension",
    "extension/decision",
    "whistle",
    "escalate",
    "complete",
    "follow-up",
    "reopen",
    "close",
]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/orders"),
        ("post", "/orders"),
        ("get", "/orders/20260101000001"),
        ("get", "/units"),
        ("get", "/me"),
        ("post", "/auth/logout"),
        *[("post", f"/orders/20260101000001/{s}") for s in STEPS],
    ],
)
def test_every_endpoint_needs_a_token(client, world, method, path):
    resp = getattr(client, method)(API + path, json={})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["message"] == "请先登录"


def test_bad_login_and_expired_or_revoked_tokens(client, world, staff_headers):
    resp = client.post(f"{API}/auth/login", json={"username": "agent", "password": "wrong-one"})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "bad_credentials"
    resp = client.post(f"{API}/auth/login", json={"username": "nobody", "password": "wrong-one"})
    assert resp.status_code == 401

    headers = staff_headers("agent")
    assert client.get(f"{API}/me", headers=headers).get_json()["role"] == "agent"
    token = db.session.scalar(select(StaffToken))
    token.expires_at -= timedelta(days=1)
    db.session.commit()
    resp = client.get(f"{API}/me", headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "token_expired"

    fresh = client.post(
        f"{API}/auth/login", json={"username": "agent", "password": "test-password-123"}
    )
    bearer = {"Authorization": f"Bearer {fresh.get_json()['token']}"}
    assert client.post(f"{API}/auth/logout", headers=bearer).status_code == 204
    assert client.get(f"{API}/me", headers=bearer).status_code == 401


@pytest.mark.parametrize("username", ["h_wangjing", "publisher", "privacy"])
def test_intake_is_refused_to_other_roles(client, world, staff_headers, username):
    resp = client.post(f"{API}/orders", json={}, headers=staff_headers(username))
    assert resp.status_code == 403


# Which roles are refused each step outright (403), whatever the order's state.
REFUSED = {
    "answer": ["h_wangjing", "dispatcher", "publisher"],
    "dispatch": ["h_wangjing", "publisher", "privacy"],
    "accept": ["agent", "dispatcher", "supervisor", "publisher"],
    "complete": ["agent", "dispatcher", "supervisor"],
    "dispute/reject": ["agent", "h_wangjing"],
    "extension/decision": ["agent", "dispatcher", "h_wangjing"],
    "follow-up": ["h_wangjing", "dispatcher", "publisher"],
    "close": ["h_wangjing", "dispatcher"],
}
BODIES = {
    "answer": {"reply": "已答复"},
    "dispatch": {"unit_code": "S110105001"},
    "complete": {"reply": "已办结"},
    "dispute/reject": {"note": "驳回"},
    "extension/decision": {"approve": True},
    "follow-up": {"resolution": "yes", "satisfaction": "satisfied"},
    "close": {},
    "accept": {},
}


@pytest.mark.parametrize(
    ("action", "username"), [(a, u) for a, users in REFUSED.items() for u in users]
)
def test_role_matrix(client, world, staff_headers, action, username):
    no = new_order(client, staff_headers("agent"), world)["order_no"]
    if action not in ("answer", "dispatch"):
        step(client, staff_headers("dispatcher"), no, "dispatch", unit_code="S110105001")
    body = step(client, staff_headers(username), no, action, expect=403, **BODIES[action])
    assert body["error"]["code"] in ("role_forbidden", "not_your_unit")


def test_other_units_cannot_see_or_touch_an_order(client, world, staff_headers):
    no = new_order(client, staff_headers("agent"), world)["order_no"]
    step(client, staff_headers("dispatcher"), no, "dispatch", unit_code="S110105001")
    other = staff_headers("h_jiuxianqiao")
    for action, body in (
        ("accept", {}),
        ("return", {"reason": "不归我们管"}),
        ("progress", {"note": "x"}),
        ("complete", {"reply": "x"}),
    ):
        refused = step(client, other, no, action, expect=403, **body)
        assert refused["error"]["code"] == "not_your_unit"
    assert client.get(f"{API}/orders/{no}", headers=other).status_code == 403
    assert client.get(f"{API}/orders", headers=other).get_json()["items"] == []
    mine = client.get(f"{API}/orders", headers=staff_headers("h_wangjing")).get_json()
    assert [o["order_no"] for o in mine["items"]] == [no]


def test_illegal_steps_are_refused_with_409(client, world, staff_headers):
    agent, street = staff_headers("agent"), staff_headers("h_wangjing")
    no = new_order(client, agent, world)["order_no"]
    step(client, staff_headers("dispatcher"), no, "dispatch", unit_code="S110105001")

    refused = step(client, street, no, "complete", expect=409, reply="已办结")
    assert refused["error"]["message"] == "本单位对该工单的处理状态为“待签收”，不能执行此操作"
    step(client, agent, no, "follow-up", expect=409, resolution="yes", satisfaction="satisfied")
    step(client, staff_headers("supervisor"), no, "extension/decision", expect=409, approve=True)
    step(client, street, no, "accept")
    step(client, street, no, "accept", expect=409)
    step(client, agent, no, "reopen", expect=409, reason="想重新办")
    step(client, street, no, "complete", reply="已修复")
    step(client, agent, no, "follow-up", resolution="yes", satisfaction="satisfied")
    refused = step(
        client, agent, no, "follow-up", expect=409, resolution="no", satisfaction="dissatisfied"
    )
    assert refused["error"]["code"] == "already_followed_up"
    step(client, agent, no, "reopen", expect=409, reason="满意的工单不能重启")


def test_bad_input_gets_422_in_chinese(client, world, staff_headers):
    agent = staff_headers("agent")
    resp = client.post(f"{API}/orders", json={"channel": "fax", "content": ""}, headers=agent)
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["details"]["fields"]
    assert fields["channel"] == [
        "取值应为以下之一：phone, web, wechat, miniapp, weibo, app, national"
    ]
    assert fields["kind"] == ["此项为必填项"]
    assert "content" in fields

    resp = client.post(
        f"{API}/orders", data="not json", headers=agent, content_type="application/json"
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"]["message"] == "请求体不是有效的 JSON"
    resp = client.post(
        f"{API}/orders",
        headers=agent,
        json={
            "channel": "phone",
            "kind": "help",
            "district_code": "110105",
            "content": "求助",
            "requester": {"phone": "12ab"},
        },
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == "手机号码格式不正确"

    resp = client.post(
        f"{API}/orders",
        headers=agent,
        json={
            "channel": "phone",
            "kind": "help",
            "district_code": "110108",
            "content": "求助",
            "street_code": "110105001",
        },
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == "所选街道乡镇不属于该区"

    no = new_order(client, agent, world)["order_no"]
    refused = step(
        client, staff_headers("dispatcher"), no, "dispatch", expect=422, unit_code="NOPE"
    )
    assert refused["error"]["message"] == "承办单位编码 NOPE 不存在"
    assert client.get(f"{API}/orders/19990101000000", headers=agent).status_code == 404
