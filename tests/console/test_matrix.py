"""Role × page: only a privacy officer sees the console; everyone else gets 403, and an
anonymous visitor gets the login form."""

from __future__ import annotations

import time

import pytest

from tests.console.conftest import totp_now

ORDER_NO = "X-NONE"
PAGES = [
    ("GET", "/privacy/console/"),
    ("GET", "/privacy/console/anomalies"),
    ("GET", "/privacy/console/verify"),
    ("GET", f"/privacy/console/orders/{ORDER_NO}"),
    ("POST", "/privacy/console/"),
    ("POST", "/privacy/console/export.csv"),
    ("POST", "/privacy/console/verify"),
    ("POST", f"/privacy/console/orders/{ORDER_NO}/reveal"),
]
OTHER_ROLES = ["agent", "dispatcher", "supervisor", "publisher", "admin", "h_wangjing"]


def call(client, method, path, token="t0ken"):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token, "purpose": "核查", "fields": "content"})


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_anonymous_visitors_get_the_login_form(client, world, method, path):
    with client.session_transaction() as sess:
        sess["csrf"] = "t0ken"
    resp = call(client, method, path)
    assert resp.status_code == 302
    login = client.get(resp.headers["Location"])
    assert login.status_code == 200
    html = login.get_data(as_text=True)
    assert 'id="login-form"' in html
    assert "动态验证码" in html


@pytest.mark.parametrize("username", OTHER_ROLES)
def test_other_roles_cannot_log_in_and_learn_nothing(world, enroll, login_form, username):
    # Even with the right password and code, a staff member who is not a privacy officer
    # gets the one generic refusal: the console confirms no account and no password.
    secret = enroll(username)
    resp = login_form(username, totp_now(secret))
    assert resp.status_code == 401
    assert "用户名、密码或动态验证码错误" in resp.get_data(as_text=True)
    assert "仅限" not in resp.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), PAGES)
@pytest.mark.parametrize("username", OTHER_ROLES)
def test_other_roles_get_403_on_every_page(client, world, username, method, path):
    # A session of a staff member who is not (or no longer) a privacy officer.
    with client.session_transaction() as sess:
        sess.update(console_uid=world.users[username].id, console_seen=int(time.time()))
        sess["csrf"] = "t0ken"
    resp = call(client, method, path)
    assert resp.status_code == 403
    assert "您无权访问隐私保护控制台" in resp.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), PAGES[:4])
def test_the_officer_sees_every_page(client, officer, method, path):
    resp = call(client, method, path)
    assert resp.status_code == (404 if ORDER_NO in path else 200)
