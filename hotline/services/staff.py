"""Staff accounts and the bearer tokens of the staff API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.errors import Invalid, Unauthorized
from hotline.extensions import db
from hotline.models.enums import Role
from hotline.models.units import StaffToken, StaffUser, Unit
from hotline.services import lockout
from privacy.orm import utcnow

UNIT_ROLES = {Role.HANDLER}
# A dummy hash to compare against when the user does not exist, so that timing does not
# tell which usernames exist.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def create_staff(
    *,
    username: str,
    password: str | None = None,
    password_hash: str | None = None,
    role: Role,
    display_name: str,
    staff_no: str,
    unit: Unit | None = None,
) -> StaffUser:
    role = Role(role)
    if role in UNIT_ROLES and unit is None:
        raise Invalid("承办人员必须属于一个承办单位")
    if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise Invalid(f"用户名 {username} 已存在")
    if password_hash is None:
        if not password or len(password) < 10:
            raise Invalid("密码至少 10 位")
        password_hash = hash_password(password)
    user = StaffUser(
        username=username,
        password_hash=password_hash,
        role=role,
        display_name=display_name,
        staff_no=staff_no,
        unit_id=unit.id if unit else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_matches(user: StaffUser | None, password: str) -> bool:
    """Check a password; for an unknown user, against a dummy hash of the same method, so
    that the time taken does not tell which usernames exist."""
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash(secrets.token_hex(8), method=method)
        check_password_hash(_DUMMY_HASH[method], password)
        return False
    return check_password_hash(user.password_hash, password)


class BadCredentials(Unauthorized):
    """A refused staff login. It is recorded, so the request commits although it fails."""

    code, commit = "bad_credentials", True


def login(username: str, password: str, addr: str | None = None) -> tuple[str, StaffToken]:
    """A new token for the account, or ``BadCredentials``/``LockedOut``; every attempt is
    recorded and counts towards the lockout (``hotline.services.lockout``)."""
    policy = lockout.Policy.of("staff_api")
    lockout.refuse_if_locked(policy, username, addr)
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    if not password_matches(user, password):
        lockout.record(policy, username, user.id if user else None, "bad_password", addr)
        raise BadCredentials("用户名或密码错误")
    if not user.active:
        lockout.record(policy, username, user.id, "disabled", addr)
        raise BadCredentials("用户名或密码错误")
    lockout.record(policy, username, user.id, "ok", addr)
    token = secrets.token_urlsafe(32)
    ttl = timedelta(minutes=current_app.config["STAFF_TOKEN_TTL_MINUTES"])
    record = StaffToken(token_hash=_token_hash(token), user=user, expires_at=utcnow() + ttl)
    db.session.add(record)
    db.session.flush()
    return token, record


def user_for_token(token: str) -> StaffUser:
    record = db.session.scalar(
        select(StaffToken).where(StaffToken.token_hash == _token_hash(token))
    )
    if record is None or record.revoked_at is not None:
        raise Unauthorized("登录凭证无效，请重新登录", code="invalid_token")
    if record.expires_at <= utcnow():
        raise Unauthorized("登录已过期，请重新登录", code="token_expired")
    if not record.user.active:
        raise Unauthorized("账号已停用", code="account_disabled")
    return record.user


def logout(token: str) -> None:
    record = db.session.scalar(
        select(StaffToken).where(StaffToken.token_hash == _token_hash(token))
    )
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
