"""WeChat mini-program login: code2Session server side, a single-use binding ticket, the
phone-number exchange with its watermark check, the same bearer token as SMS login, the
openid sealed, and a clear Chinese answer to every error WeChat documents."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from hotline.extensions import db
from hotline.models.notifications import WeChatBinding, WeChatTicket
from hotline.services.citizen import wechat as citizen_wechat
from privacy.orm import utcnow
from tests.fakes.wechat_server import wechat_server as _wechat_server  # noqa: F401  (fixture)
from tests.hotline.notifications import support
from tests.miniapp_api.helpers import API, PHONE

OPENID = "oWx-citizen-0001"


@pytest.fixture
def app(make_citizen_app, wechat_server, tmp_path):
    app = make_citizen_app(**support.notify_config(wechat_server, tmp_path))
    with app.app_context():
        support.forget_tokens()
        yield app


def _login(client, code="code-1"):
    return client.post(f"{API}/auth/wechat", json={"code": code})


def _bind(client, ticket, code="phone-1"):
    return client.post(f"{API}/auth/wechat/phone", json={"ticket": ticket, "code": code})


def _ticket(client, wechat_server, code="code-1", openid=OPENID) -> str:
    wechat_server.add_login_code(code, openid=openid, unionid="u-1", session_key="SK-SECRET")
    resp = _login(client, code)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["ticket"]


def test_a_new_wechat_user_gets_a_ticket_then_binds_the_phone_and_gets_a_token(
    client, wechat_server
):
    ticket = _ticket(client, wechat_server)
    wechat_server.add_phone_code("phone-1", PHONE)

    resp = _bind(client, ticket)

    assert resp.status_code == 201
    body = resp.get_json()
    assert body["phone"] == "138****5678"
    assert body["token_type"] == "Bearer"
    headers = {"Authorization": f"Bearer {body['token']}"}
    me = client.get(f"{API}/me", headers=headers)
    assert me.status_code == 200
    assert me.get_json()["phone"] == "138****5678"
    assert client.get(f"{API}/orders", headers=headers).status_code == 200


def test_a_bound_wechat_user_gets_the_same_token_as_sms_login_at_once(client, wechat_server):
    ticket = _ticket(client, wechat_server)
    wechat_server.add_phone_code("phone-1", PHONE)
    assert _bind(client, ticket).status_code == 201
    wechat_server.add_login_code("code-2", openid=OPENID)

    resp = _login(client, "code-2")

    assert resp.status_code == 201
    body = resp.get_json()
    assert body["bound"] is True
    assert "ticket" not in body
    claims = citizen_wechat.citizen_auth.read_token(body["token"])
    assert claims.phone_bidx == citizen_wechat.citizen_auth.phone_bidx(PHONE)


def test_the_openid_is_sealed_and_the_session_key_and_unionid_are_not_kept(client, wechat_server):
    ticket = _ticket(client, wechat_server)
    wechat_server.add_phone_code("phone-1", PHONE)
    _bind(client, ticket)

    binding = db.session.scalar(select(WeChatBinding))
    assert binding.openid_bidx == citizen_wechat.openid_bidx(OPENID)
    assert citizen_wechat.openid_of(binding) == OPENID
    with db.engine.connect() as conn:
        for table in ("wechat_bindings", "wechat_tickets"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                raw = b"".join(
                    v if isinstance(v, bytes) else str(v).encode() for v in row if v is not None
                )
                assert OPENID.encode() not in raw
                assert b"SK-SECRET" not in raw
                assert b"u-1" not in raw


def test_a_ticket_works_once(client, wechat_server):
    ticket = _ticket(client, wechat_server)
    wechat_server.add_phone_code("phone-1", PHONE)
    wechat_server.add_phone_code("phone-2", PHONE)
    assert _bind(client, ticket).status_code == 201

    resp = _bind(client, ticket, "phone-2")

    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "wechat_ticket_used"
    assert "已使用" in resp.get_json()["error"]["message"]


def test_an_expired_or_forged_ticket_is_refused(client, wechat_server):
    ticket = _ticket(client, wechat_server)
    row = db.session.scalar(select(WeChatTicket))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    wechat_server.add_phone_code("phone-1", PHONE)

    expired = _bind(client, ticket)
    forged = _bind(client, ticket[:-2] + ("AA" if not ticket.endswith("AA") else "BB"))

    assert expired.status_code == 400
    assert expired.get_json()["error"]["code"] == "wechat_ticket_expired"
    assert forged.status_code == 400
    assert forged.get_json()["error"]["message"] == "绑定凭证无效，请重新进行微信登录"
    assert wechat_server.count("phone") == 0  # no call to WeChat for a bad ticket


def test_a_phone_number_for_another_mini_program_is_refused(client, wechat_server):
    ticket = _ticket(client, wechat_server)
    wechat_server.add_phone_code("phone-1", PHONE, watermark_appid="wx-someone-else")

    resp = _bind(client, ticket)

    assert resp.status_code == 502
    assert resp.get_json()["error"]["code"] == "wechat_watermark_mismatch"
    assert db.session.scalar(select(WeChatBinding)) is None
    assert _bind(client, ticket, "phone-1").status_code == 400  # the code was used up


def test_only_mainland_mobile_numbers_can_be_bound(client, wechat_server):
    ticket = _ticket(client, wechat_server)
    wechat_server.add_phone_code("phone-1", "61234567", country_code="852")

    resp = _bind(client, ticket)

    assert resp.status_code == 422
    assert "中国大陆手机号" in resp.get_json()["error"]["message"]


def test_binding_a_phone_to_a_new_wechat_user_replaces_the_old_binding(client, wechat_server):
    first = _ticket(client, wechat_server, "code-1", "o-old")
    wechat_server.add_phone_code("phone-1", PHONE)
    _bind(client, first)
    second = _ticket(client, wechat_server, "code-2", "o-new")
    wechat_server.add_phone_code("phone-2", PHONE)

    assert _bind(client, second, "phone-2").status_code == 201

    [binding] = db.session.scalars(select(WeChatBinding)).all()
    assert citizen_wechat.openid_of(binding) == "o-new"


@pytest.mark.parametrize(
    ("script", "status", "code", "words"),
    [
        ({"errcode": 40029}, 400, "wechat_code_invalid", "无效或已过期"),
        ({"errcode": 40163}, 400, "wechat_code_used", "已使用"),
        ({"errcode": 40226}, 403, "wechat_login_blocked", "短信验证码登录"),
        ({"errcode": 45011}, 429, "wechat_rate_limited", "一分钟后再试"),
        ({"errcode": -1}, 503, "wechat_busy", "繁忙"),
        ({"errcode": 40013}, 502, "wechat_misconfigured", "暂不可用"),
        ({"http": 502}, 503, "wechat_unavailable", "无法连接"),
        ({"non_json": True}, 503, "wechat_unavailable", "无法连接"),
    ],
)
def test_every_wechat_login_error_is_a_clear_chinese_answer(
    client, wechat_server, script, status, code, words
):
    if "errcode" in script:
        wechat_server.fail("code2session", script["errcode"])
    elif "http" in script:
        wechat_server.http_error("code2session", script["http"])
    else:
        wechat_server.non_json("code2session")

    resp = _login(client, "any-code")

    assert resp.status_code == status
    error = resp.get_json()["error"]
    assert error["code"] == code
    assert words in error["message"]
    if status in (429, 503):
        assert int(resp.headers["Retry-After"]) > 0


def test_a_blocked_user_and_an_unknown_code_from_the_fake_itself(client, wechat_server):
    wechat_server.add_login_code("risky", openid="o-risky", blocked=True)
    assert _login(client, "risky").status_code == 403
    assert _login(client, "never-issued").status_code == 400


def test_wechat_unreachable_is_503_with_retry_after_never_500(make_citizen_app, wechat_server):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = support.notify_config(wechat_server, "/tmp")  # noqa: S108
    app = make_citizen_app(**{**config, "WECHAT_API_BASE": f"http://127.0.0.1:{port}"})

    resp = app.test_client().post(f"{API}/auth/wechat", json={"code": "code-1"})

    assert resp.status_code == 503
    assert resp.get_json()["error"]["code"] == "wechat_unavailable"
    assert resp.headers["Retry-After"] == "10"


def test_phone_exchange_errors_and_a_superseded_access_token(client, wechat_server):
    ticket = _ticket(client, wechat_server)
    unknown = _bind(client, ticket, "never-issued")
    assert unknown.status_code == 400
    assert unknown.get_json()["error"]["code"] == "wechat_code_invalid"
    assert "手机号授权凭证" in unknown.get_json()["error"]["message"]

    wechat_server.issue_token()  # someone fetched a token elsewhere: ours is void (40001)
    wechat_server.add_phone_code("phone-1", PHONE)
    assert _bind(client, ticket).status_code == 201  # refreshed once and retried
    assert wechat_server.count("token") == 2


def test_without_an_appid_wechat_login_is_off(make_citizen_app):
    resp = make_citizen_app().test_client().post(f"{API}/auth/wechat", json={"code": "c"})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "wechat_not_configured"
    assert "短信验证码登录" in resp.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "body", [{}, {"code": ""}, {"code": "x" * 129}, {"code": 5}, {"code": "c", "extra": 1}]
)
def test_bad_input_is_422(client, body):
    resp = client.post(f"{API}/auth/wechat", json=body)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["fields"]


def test_wechat_login_is_limited_per_address_and_per_ticket(
    make_citizen_app, wechat_server, tmp_path
):
    config = support.notify_config(wechat_server, tmp_path)
    app = make_citizen_app(limits={"wechat_client": "2/hour", "wechat_ticket": "1/hour"}, **config)
    client = app.test_client()
    wechat_server.add_login_code("c1", openid="o-1")
    ticket = _login(client, "c1").get_json()["ticket"]
    assert _bind(client, ticket, "nope").status_code == 400
    other = client.post(
        f"{API}/auth/wechat/phone",
        json={"ticket": ticket, "code": "nope"},
        environ_base={"REMOTE_ADDR": "192.0.2.9"},
    )
    assert other.status_code == 429  # the same ticket from another address
    assert _login(client, "c2").status_code == 400
    assert _login(client, "c3").status_code == 429  # the address used its two logins
