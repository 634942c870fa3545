"""Phone login: SMS codes (6 digits, 5 minutes, 5 attempts, then locked), signed expiring
tokens that carry only the phone's blind index, logout that revokes at once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.citizen import CitizenProfile, SmsCode
from hotline.services import lifecycle
from hotline.services.actors import Actor
from hotline.services.citizen import auth as citizen_auth
from privacy.blind_index import blind_index
from privacy.keyring import KeyRing
from privacy.orm import utcnow
from privacy.runtime import runtime
from tests.miniapp_api.helpers import (
    API,
    OTHER_PHONE,
    OUTBOX,
    PHONE,
    last_code,
    login,
    make_order,
    request_code,
)


def _verify(client, code, phone=PHONE):
    return client.post(f"{API}/auth/token", json={"phone": phone, "code": code})


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_request_code_sends_six_digits_and_stores_only_a_keyed_hash(client):
    resp = request_code(client, "+86 138 1234 5678")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body == {"sent": True, "expires_in": 300, "resend_after": 60, "dev_code": None}
    phone, code = OUTBOX[-1]
    assert phone == PHONE
    assert len(code) == 6
    assert code.isdigit()
    row = db.session.scalar(select(SmsCode))
    assert row.phone_bidx == blind_index(runtime().ring, "phone", PHONE)
    assert code not in row.code_hash
    assert PHONE not in row.phone_bidx
    assert (
        timedelta(minutes=4, seconds=59) < row.expires_at - row.created_at <= timedelta(minutes=5)
    )


def test_login_with_the_code_returns_a_token_that_works(client):
    request_code(client)
    resp = _verify(client, last_code())
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["token_type"] == "Bearer"
    assert body["phone"] == "138****5678"
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["phone"] == "138****5678"
    assert db.session.scalar(select(func.count(CitizenProfile.id))) == 1


def test_the_token_carries_only_the_blind_index_a_token_id_and_the_expiry(client):
    request_code(client)
    token = _verify(client, last_code()).get_json()["token"]
    # Read without the key: whatever the token carries, anyone holding it can read.
    payload = URLSafeSerializer("not-the-key").loads_unsafe(token)[1]
    assert set(payload) == {"b", "t", "e"}
    assert payload["b"] == blind_index(runtime().ring, "phone", PHONE)
    assert "5678" not in token.replace(payload["b"], "")


def test_a_code_is_used_once(client):
    request_code(client)
    code = last_code()
    assert _verify(client, code).status_code == 201
    resp = _verify(client, code)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "sms_code_invalid"


def test_five_wrong_codes_lock_the_code(client):
    request_code(client)
    code = last_code()
    for left in (4, 3, 2, 1):
        resp = _verify(client, _wrong(code))
        assert resp.status_code == 400
        error = resp.get_json()["error"]
        assert error["code"] == "sms_code_wrong"
        assert error["message"] == f"验证码错误，还可尝试{left}次"
        assert error["details"] == {"attempts_left": left}
    resp = _verify(client, _wrong(code))
    assert resp.status_code == 403
    assert resp.get_json()["error"]["message"] == "验证码错误次数过多，已失效，请重新获取"
    # Locked: even the right code is refused now.
    resp = _verify(client, code)
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "sms_code_locked"
    # A new code starts afresh.
    request_code(client)
    assert _verify(client, last_code()).status_code == 201


def test_an_expired_code_is_refused(client):
    request_code(client)
    row = db.session.scalar(select(SmsCode))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resp = _verify(client, last_code())
    assert resp.status_code == 400
    assert resp.get_json()["error"] == {
        "code": "sms_code_expired",
        "message": "验证码已过期，请重新获取",
        "details": {},
    }


def test_a_new_code_invalidates_the_older_one(client):
    request_code(client)
    first = last_code()
    request_code(client)
    second = last_code()
    if first == second:
        pytest.skip("the two random codes happened to be equal")
    assert _verify(client, first).status_code == 400
    assert _verify(client, second).status_code == 201


def test_codes_are_per_phone(client):
    request_code(client, PHONE)
    request_code(client, OTHER_PHONE)
    mine, theirs = last_code(PHONE), last_code(OTHER_PHONE)
    if mine == theirs:
        pytest.skip("the two random codes happened to be equal")
    assert _verify(client, mine, OTHER_PHONE).status_code == 400
    assert _verify(client, theirs, OTHER_PHONE).status_code == 201


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "phone", "此项为必填项"),
        ({"phone": "12345"}, "phone", "请输入正确的11位手机号码"),
        ({"phone": "010-84721234"}, "phone", "请输入正确的11位手机号码"),
        ({"phone": 13812345678}, "phone", "应为文本"),
        ({"phone": PHONE, "extra": 1}, "extra", "不支持的字段"),
    ],
)
def test_bad_phone_is_a_422_in_chinese(client, body, field, message):
    resp = client.post(f"{API}/auth/sms-code", json=body)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["message"] == "提交的内容有误，请检查后重试"
    assert error["details"]["fields"][field] == [message]


def test_bad_code_format_and_bad_json(client):
    resp = client.post(f"{API}/auth/token", json={"phone": PHONE, "code": "12ab56"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["fields"]["code"] == ["验证码应为6位数字"]
    resp = client.post(f"{API}/auth/token", data="{not json", content_type="application/json")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["message"] == "请求体不是有效的 JSON"


def test_sms_gateway_failure_is_a_503(make_citizen_app):
    app = make_citizen_app(SMS_SENDER="tests.miniapp_api.helpers:FailingSender")
    resp = request_code(app.test_client())
    assert resp.status_code == 503
    assert resp.get_json()["error"]["message"] == "短信发送失败，请稍后再试"


def test_logout_revokes_the_token(client, citizen):
    headers = citizen()
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    assert client.post(f"{API}/auth/logout", headers=headers).status_code == 204
    resp = client.get(f"{API}/me", headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "token_revoked"
    assert client.get(f"{API}/orders", headers=headers).status_code == 401


def test_tampered_expired_and_missing_tokens_are_401(client, app, citizen):
    token = citizen()["Authorization"].split()[1]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad, code in ((tampered, "invalid_token"), ("garbage", "invalid_token")):
        resp = client.get(f"{API}/me", headers={"Authorization": f"Bearer {bad}"})
        assert resp.status_code == 401
        assert resp.get_json()["error"]["code"] == code
    bidx = blind_index(runtime().ring, "phone", PHONE)
    old, _ = citizen_auth.issue_token(bidx, now=utcnow() - timedelta(days=2))
    resp = client.get(f"{API}/me", headers={"Authorization": f"Bearer {old}"})
    assert resp.status_code == 401
    assert resp.get_json()["error"] == {
        "code": "token_expired",
        "message": "登录已过期，请重新登录",
        "details": {},
    }
    resp = client.get(f"{API}/me")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["message"] == "请先登录"


def test_a_token_signed_with_another_secret_is_refused(client, make_citizen_app):
    other = make_citizen_app(SECRET_KEY="another-secret")
    with other.app_context():
        token, _ = citizen_auth.issue_token("0" * 64)
    resp = client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


def test_development_mode_shows_the_code_and_production_never(make_citizen_app, caplog):
    dev = make_citizen_app(HOTLINE_ENV="development", SMS_SENDER="miniapp_api.sms:LogSender")
    with caplog.at_level(logging.WARNING, logger="hotline.sms"):
        resp = request_code(dev.test_client())
    code = resp.get_json()["dev_code"]
    assert len(code) == 6
    assert code in caplog.text
    assert "138****5678" in caplog.text
    assert PHONE not in caplog.text
    caplog.clear()

    prod = make_citizen_app(
        HOTLINE_ENV="production",
        SMS_SENDER="miniapp_api.sms:LogSender",
        PRIVACY_KEYRING=KeyRing.generate(development=False),
    )
    with caplog.at_level(logging.WARNING, logger="hotline.sms"):
        resp = request_code(prod.test_client())
    assert resp.status_code == 200
    assert resp.get_json()["dev_code"] is None
    assert "sms_code_sent" in caplog.text
    assert "138****5678" in caplog.text
    assert PHONE not in caplog.text
    assert '"code"' not in caplog.text
    page = prod.test_client().get("/m/").get_data(as_text=True)
    assert "开发模式" not in page
    assert 'data-dev=""' in page


def test_a_worker_sees_logout_and_new_steps_at_once(make_citizen_app, world):
    """As deployed: each request on its own (no app context around it), reads outside a
    transaction, rendered views reused per worker. A logout and a new step still show on
    the very next request."""
    order = make_order(world, state="accepted")
    worker = make_citizen_app().test_client()
    headers = login(worker)
    url = f"{API}/orders/{order.order_no}"
    first = worker.get(url, headers=headers)
    assert first.status_code == 200
    assert worker.get(url, headers=headers).get_json() == first.get_json()  # reused view

    lifecycle.complete(order, Actor.of(world.users["h_wangjing"]), "已更换电梯主板，恢复运行。")
    db.session.commit()
    after = worker.get(url, headers=headers).get_json()
    assert after["status"] == "completed"
    assert after["timeline"][-1]["label"] == "办结"
    assert len(after["timeline"]) == len(first.get_json()["timeline"]) + 1

    assert worker.post(f"{API}/auth/logout", headers=headers).status_code == 204
    for path in (url, f"{API}/orders", f"{API}/me"):
        resp = worker.get(path, headers=headers)
        assert resp.status_code == 401, path
        assert resp.get_json()["error"]["code"] == "token_revoked"


def test_a_logged_out_token_is_refused_before_any_order_is_looked_for(client, world, citizen):
    """The detail view reads the revocation in its own query; when there is no order to
    read, the token is still refused as logged out rather than told 'not found'."""
    order = make_order(world, state="accepted")
    headers = citizen()
    assert client.get(f"{API}/orders/{order.order_no}", headers=headers).status_code == 200
    assert client.post(f"{API}/auth/logout", headers=headers).status_code == 204
    for number in (order.order_no, "20990101000001", "x"):
        resp = client.get(f"{API}/orders/{number}", headers=headers)
        assert resp.status_code == 401, number
        assert resp.get_json()["error"]["code"] == "token_revoked"
