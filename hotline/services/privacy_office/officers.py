"""Privacy officers signing in to the console: password plus TOTP, lockout, the record.

No answer tells an attacker anything: an unknown username, a wrong password, a wrong code,
an account without TOTP and a staff member who is not a privacy officer all cost the same
work (one password hash of the configured method and one TOTP check), get the same
message, and all count towards the lockout (``hotline.services.lockout``).
"""

from __future__ import annotations

import base64
import secrets
import time

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from sqlalchemy import func, select

from hotline.errors import ApiError
from hotline.extensions import db
from hotline.models.enums import Role
from hotline.models.logins import ConsoleTotp, LoginAttempt
from hotline.models.units import StaffUser
from hotline.services import lockout, staff
from privacy.fields import open_field, seal_field
from privacy.runtime import runtime

ISSUER = "阳光办理隐私保护控制台"
STEP = 30
GENERIC = "用户名、密码或动态验证码错误"
# Checked when there is no real secret, so that every attempt costs one TOTP check.
_DUMMY_SECRET = secrets.token_bytes(20)


class LoginFailed(ApiError):
    """A refused sign-in. It is recorded, so the request commits although it fails."""

    status, code, commit = 401, "login_failed", True

    def __init__(self, outcome: str):
        super().__init__(GENERIC)
        self.outcome = outcome


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


def _totp_ok(user: StaffUser | None, code: str) -> bool | None:
    """Whether ``code`` is the user's current code (``None``: the user has no TOTP)."""
    row = None
    if user is not None:
        row = db.session.scalar(select(ConsoleTotp).where(ConsoleTotp.user_id == user.id))
    has_secret = row is not None and row.secret is not None
    secret = (
        base64.b32decode(open_field(runtime().cipher, row, "secret"))
        if has_secret
        else _DUMMY_SECRET
    )
    code_bytes = (code or "").strip().encode()
    now_step = int(time.time()) // STEP
    for step in (now_step, now_step - 1, now_step + 1):
        if has_secret and step <= row.last_step:
            continue
        try:
            _totp(secret).verify(code_bytes, step * STEP)
        except InvalidToken:
            continue
        if not has_secret:
            return None
        row.last_step = step
        return True
    return None if not has_secret else False


# -- login --------------------------------------------------------------------------------
def login(username: str, password: str, code: str, addr: str | None) -> tuple[StaffUser, int]:
    """Check password and TOTP and record the attempt; returns the officer and the id of
    the recorded sign-in, or raises ``LoginFailed`` or ``LockedOut``."""
    policy = lockout.Policy.of("console")
    username = (username or "").strip()[:64]
    lockout.refuse_if_locked(policy, username, addr)
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    password_ok = staff.password_matches(user, password or "")
    totp = _totp_ok(user, code)  # always checked: the same work on every path
    outcome = "ok"
    if not password_ok:
        outcome = "bad_password"
    elif not user.active:
        outcome = "disabled"
    elif totp is None:
        outcome = "no_totp"
    elif not totp:
        outcome = "bad_totp"
    elif user.role != Role.PRIVACY_OFFICER:
        outcome = "not_officer"
    attempt = lockout.record(policy, username, user.id if user else None, outcome, addr)
    if outcome != "ok":
        raise LoginFailed(outcome)
    return user, attempt.id


def last_logout(user_id: int) -> int:
    """The id of the officer's last recorded logout (0 if none): sessions that signed in
    before it are over, in every browser."""
    return (
        db.session.scalar(
            select(func.max(LoginAttempt.id)).where(
                LoginAttempt.door == "console",
                LoginAttempt.user_id == user_id,
                LoginAttempt.outcome == "logout",
            )
        )
        or 0
    )


def record_logout(user: StaffUser | None, addr: str | None) -> int:
    """Record a logout; returns its id (sessions started before it are ended)."""
    policy = lockout.Policy.of("console")
    return lockout.record(
        policy, user.username if user else "", user.id if user else None, "logout", addr
    ).id
