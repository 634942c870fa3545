"""Login with password and TOTP, lockout, idle timeout, CSRF and the login record."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.logins import ConsoleTotp
from hotline.models.logins import LoginAttempt as ConsoleLogin
from hotline.services import lockout
from tests.conftest import PASSWORD
from tests.console.conftest import csrf_of, totp_now


def outcomes() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(ConsoleLogin.outcome).order_by(ConsoleLogin.id)))


def test_password_and_totp_log_the_officer_in(client, enroll, login_form):
    secret = enroll()
    resp = login_form("privacy", totp_now(secret))
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/privacy/console/")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    page = client.get("/privacy/console/")
    assert page.status_code == 200
    assert "访问日志查询" in page.get_data(as_text=True)
    assert outcomes() == ["ok"]


def test_wrong_totp_or_password_is_refused_and_recorded(client, enroll, login_form):
    secret = enroll()
    bad_code = login_form("privacy", "000000" if totp_now(secret) != "000000" else "111111")
    assert bad_code.status_code == 401
    assert "用户名、密码或动态验证码错误" in bad_code.get_data(as_text=True)
    bad_password = login_form("privacy", totp_now(secret), password="wrong-password-1")
    assert bad_password.status_code == 401
    unknown = login_form("nobody", totp_now(secret))
    assert unknown.status_code == 401
    assert outcomes() == ["bad_totp", "bad_password", "bad_password"]
    assert client.get("/privacy/console/").status_code == 302


def test_a_head_request_with_credentials_only_shows_the_form(client, enroll):
    """HEAD is a read: it answers as the form's GET does and logs nobody in, whatever
    body it carries (it once ran the login, which a read may not record: 500)."""
    secret = enroll()
    form = {"username": "privacy", "password": PASSWORD, "totp": totp_now(secret)}
    resp = client.open("/privacy/console/login", method="HEAD", data=form)
    assert resp.status_code == 200
    assert outcomes() == []
    assert client.get("/privacy/console/").status_code == 302


def test_a_totp_code_is_accepted_once(client, enroll, login_form):
    secret = enroll()
    code = totp_now(secret)
    assert login_form("privacy", code).status_code == 302
    client.post(
        "/privacy/console/logout",
        data={"csrf_token": csrf_of(client.get("/privacy/console/verify").get_data(as_text=True))},
    )
    assert login_form("privacy", code).status_code == 401


def test_five_failures_lock_the_account(client, enroll, login_form):
    secret = enroll()
    for _ in range(5):
        assert (
            login_form("privacy", totp_now(secret), password="wrong-password-1").status_code == 401
        )
    locked = login_form("privacy", totp_now(secret))
    assert locked.status_code == 423
    assert "已临时锁定" in locked.get_data(as_text=True)
    assert outcomes()[-1] == "locked"


def test_a_lockout_holds_for_the_guessing_address_not_for_the_officer_elsewhere(
    app, client, enroll, login_form
):
    secret = enroll()
    for _ in range(5):
        resp = login_form("privacy", "", password="wrong-password-1", addr="203.0.113.9")
        assert resp.status_code == 401
    locked = login_form("privacy", totp_now(secret), addr="203.0.113.9")
    assert "已临时锁定" in locked.get_data(as_text=True)
    # The officer, at the office, still gets in.
    assert login_form("privacy", totp_now(secret), addr="198.51.100.7").status_code == 302


def test_guessing_spread_over_many_addresses_locks_the_username(app, enroll, login_form):
    secret = enroll()
    app.config["CONSOLE_MAX_FAILURES_TOTAL"] = 8
    for i in range(8):
        resp = login_form("privacy", "", password="wrong-password-1", addr=f"203.0.113.{i}")
        assert resp.status_code == 401
        assert "已临时锁定" not in resp.get_data(as_text=True)
    locked = login_form("privacy", totp_now(secret), addr="198.51.100.7")
    assert locked.status_code == 423
    assert "已临时锁定" in locked.get_data(as_text=True)


def test_idle_session_expires(client, officer):
    assert client.get("/privacy/console/").status_code == 200
    with client.session_transaction() as sess:
        sess["console_seen"] = int(time.time()) - 16 * 60
    resp = client.get("/privacy/console/")
    assert resp.status_code == 302
    assert "/privacy/console/login" in resp.headers["Location"]


def test_posts_without_csrf_token_are_refused(client, officer):
    resp = client.post("/privacy/console/verify", data={})
    assert resp.status_code == 400
    assert "表单已失效" in resp.get_data(as_text=True)
    login = client.post(
        "/privacy/console/login", data={"username": "privacy", "password": "x", "totp": "1"}
    )
    assert login.status_code == 400


def test_the_secret_is_sealed_at_rest(app, enroll):
    secret = enroll()
    row = db.session.scalar(select(ConsoleTotp))
    assert secret.encode() not in row.secret.blob
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)


def test_enroll_cli_prints_the_secret_once(runner, world):
    result = runner.invoke(args=["privacy", "console", "enroll", "privacy"])
    assert result.exit_code == 0, result.output
    assert "otpauth://totp/" in result.output
    refused = runner.invoke(args=["privacy", "console", "enroll", "agent"])
    assert refused.exit_code != 0
    assert "不是隐私保护专员" in refused.output


def test_logout_ends_the_session_even_for_a_copied_cookie(client, officer):
    with client.session_transaction() as sess:
        copied = dict(sess)
    assert officer("/privacy/console/logout").status_code == 302
    with client.session_transaction() as sess:
        sess.update(copied)
    resp = client.get("/privacy/console/")
    assert resp.status_code == 302
    assert "/privacy/console/login" in resp.headers["Location"]
    assert outcomes() == ["ok", "logout"]


@pytest.mark.parametrize(
    "case", ["unknown_user", "wrong_password", "wrong_code", "not_enrolled", "not_officer"]
)
def test_every_refusal_looks_the_same_and_costs_the_same(
    world, enroll, login_form, monkeypatch, case
):
    """No answer tells an attacker which accounts exist or which password is right: the
    same message, the same status, one password hash of the configured method and one code
    check on every path, and every one counts towards the lockout."""
    from hotline.services import staff
    from hotline.services.privacy_office import officers

    secret = enroll("privacy")
    enroll("agent")
    hashes, codes = [], []
    real_hash, real_totp = staff.check_password_hash, officers._totp
    monkeypatch.setattr(
        staff, "check_password_hash", lambda h, p: hashes.append(h[:20]) or real_hash(h, p)
    )
    monkeypatch.setattr(officers, "_totp", lambda s: codes.append(1) or real_totp(s))
    username, password, code = {
        "unknown_user": ("nobody", PASSWORD, totp_now(secret)),
        "wrong_password": ("privacy", "wrong-password-1", totp_now(secret)),
        "wrong_code": ("privacy", PASSWORD, "000000"),
        "not_enrolled": ("dispatcher", PASSWORD, totp_now(secret)),
        "not_officer": ("agent", PASSWORD, "000000"),
    }[case]
    resp = login_form(username, code, password=password)
    assert resp.status_code == 401
    assert "用户名、密码或动态验证码错误" in resp.get_data(as_text=True)
    assert len(hashes) == 1
    assert hashes[0].split("$")[0] == world.users["privacy"].password_hash.split("$")[0]
    assert len(codes) >= 1
    attempt = db.session.scalar(select(ConsoleLogin).order_by(ConsoleLogin.id.desc()))
    assert attempt.success is False
    assert attempt.outcome in lockout.FAILURES
