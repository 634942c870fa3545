"""Console login: password plus TOTP, lockout, idle timeout, CSRF, and the login record.

The console is the one part of ``privacy`` that sits on top of the domain: it reads staff
accounts (``hotline.models.StaffUser``) and orders to authenticate officers and show them
what the log refers to. Everything below the console (``privacy.*``) still knows nothing of
the domain.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from flask import abort, current_app, request, session
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from hotline.extensions import db
from hotline.models.units import StaffUser
from privacy.console.models import ConsoleLogin, ConsoleTotp
from privacy.fields import open_field, seal_field
from privacy.orm import utcnow
from privacy.runtime import runtime

OFFICER_ROLE = "privacy_officer"
ISSUER = "阳光办理隐私保护控制台"
STEP = 30
# A dummy hash checked for unknown usernames so timing does not reveal which exist.
_DUMMY = "pbkdf2:sha256:1000$x$" + "0" * 64


class LoginFailed(Exception):
    """A login was refused; ``message`` is what the officer sees (Chinese)."""

    def __init__(self, outcome: str, message: str = "用户名、密码或动态验证码错误"):
        super().__init__(outcome)
        self.outcome = outcome
        self.message = message


# -- TOTP ---------------------------------------------------------------------------------
def _totp(secret: bytes) -> TOTP:
    return TOTP(secret, 6, SHA1(), STEP, enforce_key_length=False)  # noqa: S303 (RFC 6238)


def totp_code(secret_b32: str, at: float | None = None) -> str:
    """The current code of a base32 secret (for tests and the enrolment check)."""
    secret = base64.b32decode(secret_b32)
    return _totp(secret).generate(int(at if at is not None else time.time())).decode()


def enroll(user: StaffUser) -> tuple[str, str]:
    """Give ``user`` a new TOTP secret (replacing any); returns (base32 secret, otpauth URI).

    The secret is sealed in ``console_totp``; the caller shows it once and never again.
    """
    raw = secrets.token_bytes(20)
    secret_b32 = base64.b32encode(raw).decode()
    row = db.session.scalar(select(ConsoleTotp).where(ConsoleTotp.user_id == user.id))
    if row is None:
        row = ConsoleTotp(user_id=user.id, last_step=0)
        db.session.add(row)
    row.last_step = 0
    seal_field(runtime().cipher, row, "secret", secret_b32)
    db.session.flush()
    uri = _totp(raw).get_provisioning_uri(user.username, ISSUER)
    return secret_b32, uri


def _check_totp(user: StaffUser, code: str) -> None:
    row = db.session.scalar(select(ConsoleTotp).where(ConsoleTotp.user_id == user.id))
    if row is None or row.secret is None:
        raise LoginFailed("no_totp", "该账号尚未绑定动态验证码，请联系管理员")
    secret = base64.b32decode(open_field(runtime().cipher, row, "secret"))
    code = (code or "").strip().encode()
    now_step = int(time.time()) // STEP
    for step in (now_step, now_step - 1, now_step + 1):
        if step <= row.last_step:
            continue
        try:
            _totp(secret).verify(code, step * STEP)
        except InvalidToken:
            continue
        row.last_step = step
        return
    raise LoginFailed("bad_totp")


# -- login --------------------------------------------------------------------------------
def _record(username: str, user_id: int | None, outcome: str) -> ConsoleLogin:
    row = ConsoleLogin(
        username=username[:64],
        user_id=user_id,
        success=outcome == "ok",
        outcome=outcome,
        client_addr=request.remote_addr,
        occurred_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def _failures(username: str, since: datetime, addr: str | None = None) -> int:
    """Wrong passwords and codes typed for ``username`` since ``since`` (or the last
    success after it), from ``addr`` when given, else from anywhere."""
    same = [ConsoleLogin.username == username]
    if addr is not None:
        same.append(ConsoleLogin.client_addr == addr)
    last_ok = db.session.scalar(
        select(func.max(ConsoleLogin.occurred_at)).where(*same, ConsoleLogin.outcome == "ok")
    )
    if last_ok is not None and last_ok > since:
        since = last_ok
    return db.session.scalar(
        select(func.count())
        .select_from(ConsoleLogin)
        .where(
            *same,
            ConsoleLogin.success.is_(False),
            ConsoleLogin.outcome.in_(("bad_password", "bad_totp")),
            ConsoleLogin.occurred_at > since,
        )
    )


def _locked(username: str) -> bool:
    """Too many failures within the lockout window: ``CONSOLE_MAX_FAILURES`` from this
    address, or ``CONSOLE_MAX_FAILURES_TOTAL`` from all addresses together.

    Counting per address first means that someone who knows an officer's username cannot
    lock the officer out from elsewhere with five wrong passwords; the total still stops
    guessing spread over many addresses.
    """
    cfg = current_app.config
    since = utcnow() - timedelta(minutes=cfg["CONSOLE_LOCKOUT_MINUTES"])
    if _failures(username, since, request.remote_addr) >= cfg["CONSOLE_MAX_FAILURES"]:
        return True
    return _failures(username, since) >= cfg["CONSOLE_MAX_FAILURES_TOTAL"]


def _check_credentials(user: StaffUser | None, password: str, code: str) -> None:
    if user is None:
        check_password_hash(_DUMMY, password or "")
        raise LoginFailed("bad_password")
    if not user.active or not check_password_hash(user.password_hash, password or ""):
        raise LoginFailed("bad_password")
    _check_totp(user, code)
    if str(user.role) != OFFICER_ROLE:
        raise LoginFailed("not_officer", "本控制台仅限隐私保护专员使用")


def login(username: str, password: str, code: str) -> StaffUser:
    """Check password and TOTP; record the attempt; raise ``LoginFailed`` when refused.

    The attempt is flushed either way; the view commits it.
    """
    username = (username or "").strip()
    if _locked(username):
        _record(username, None, "locked")
        raise LoginFailed("locked", "登录失败次数过多，账号已临时锁定，请15分钟后再试")
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    try:
        _check_credentials(user, password, code)
    except LoginFailed as exc:
        _record(username, user.id if user else None, exc.outcome)
        raise
    start_session(user, _record(username, user.id, "ok").id)
    return user


def start_session(user: StaffUser, login_id: int) -> None:
    session.clear()
    session["console_uid"] = user.id
    session["console_login"] = login_id
    session["console_seen"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(32)


def logout() -> None:
    uid = session.get("console_uid")
    if uid is not None:
        user = db.session.get(StaffUser, uid)
        _record(user.username if user else "", uid, "logout")
    session.clear()


# -- per request --------------------------------------------------------------------------
@dataclass
class Officer:
    id: int
    username: str
    role: str
    unit_id: int | None


def current_officer() -> Officer | None:
    """The signed-in staff member, or ``None`` (not signed in, or idle too long)."""
    uid = session.get("console_uid")
    if uid is None:
        return None
    idle = current_app.config["CONSOLE_IDLE_MINUTES"] * 60
    now = int(time.time())
    if now - int(session.get("console_seen", 0)) > idle:
        session.clear()
        return None
    # Cookie sessions live in the browser, so logging out must be remembered here: a logout
    # after this session's login ends it (in every browser of that officer).
    logged_out = db.session.scalar(
        select(func.max(ConsoleLogin.id)).where(
            ConsoleLogin.user_id == uid, ConsoleLogin.outcome == "logout"
        )
    )
    user = db.session.get(StaffUser, uid)
    if user is None or not user.active or (logged_out or 0) > session.get("console_login", 0):
        session.clear()
        return None
    session["console_seen"] = now
    return Officer(user.id, user.username, str(user.role), user.unit_id)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="表单已失效，请刷新页面后重试")
