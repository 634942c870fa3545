"""Citizen login by SMS code, and the signed bearer tokens it hands out.

- A code is 6 digits, valid ``SMS_CODE_TTL_SECONDS`` (5 minutes), and takes at most
  ``SMS_CODE_MAX_ATTEMPTS`` (5) wrong tries before it is locked. Only a keyed hash of it is
  stored (HMAC under the ring's ``sms_code`` index key, bound to the row's UUID). A new
  request supersedes every older live code of the same phone.
- A token is ``itsdangerous``-signed with a key derived from ``SECRET_KEY`` and carries the
  phone's blind index, a random token id and its expiry: nothing else. Logout stores the
  token id in ``citizen_token_revocations``, which every worker reads, so it holds at once.
- The phone itself is kept only in the citizen's profile, sealed (see
  ``hotline.models.citizen``), for copying into the orders the citizen submits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, select, update

from hotline.errors import ApiError, Unauthorized
from hotline.extensions import db
from hotline.models.citizen import CitizenProfile, CitizenTokenRevocation, SmsCode
from privacy.blind_index import blind_index
from privacy.fields import open_field, seal_field
from privacy.orm import utcnow
from privacy.runtime import runtime

CODE_DIGITS = 6
TOKEN_SALT = "yg-citizen-token-v1"  # noqa: S105  (a salt: a namespace, not a secret)


class SmsSender(Protocol):
    """What a pluggable SMS gateway provides (``SMS_SENDER`` names the class)."""

    def send(self, phone: str, code: str, ttl_minutes: int) -> None: ...


class SmsUnavailable(ApiError):
    status, code = 503, "sms_unavailable"


class CodeRejected(ApiError):
    """A refused code. The failed attempt itself is recorded, so the request commits."""

    status, code = 400, "sms_code_wrong"
    commit = True


class CodeLocked(CodeRejected):
    status, code = 403, "sms_code_locked"


@dataclass
class IssuedCode:
    code: str  # goes to the sender, and to the caller only in development mode
    expires_at: datetime


@dataclass(frozen=True)
class CitizenSession:
    phone_bidx: str
    token_id: str
    expires_at: datetime


# -- codes --------------------------------------------------------------------------------
def phone_bidx(phone: str) -> str:
    return blind_index(runtime().ring, "phone", phone)


def _code_hash(row: SmsCode, code: str) -> str:
    key = runtime().ring.index_key("sms_code")
    message = f"{row.uuid}:{row.phone_bidx}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def request_code(phone: str, sender: SmsSender, now: datetime | None = None) -> IssuedCode:
    """Issue a new code for ``phone`` (already validated), superseding older ones."""
    now = now or utcnow()
    cfg = current_app.config
    bidx = phone_bidx(phone)
    db.session.execute(
        update(SmsCode)
        .where(
            SmsCode.phone_bidx == bidx,
            SmsCode.used_at.is_(None),
            SmsCode.superseded_at.is_(None),
            SmsCode.locked_at.is_(None),
        )
        .values(superseded_at=now)
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    ttl = cfg["SMS_CODE_TTL_SECONDS"]
    row = SmsCode(phone_bidx=bidx, created_at=now, expires_at=now + timedelta(seconds=ttl))
    row.code_hash = _code_hash(row, code)
    db.session.add(row)
    db.session.flush()
    try:
        sender.send(phone, code, max(1, ttl // 60))
    except Exception as exc:
        current_app.logger.exception("SMS sender failed")
        raise SmsUnavailable("短信发送失败，请稍后再试") from exc
    return IssuedCode(code=code, expires_at=row.expires_at)


def verify_code(phone: str, code: str, now: datetime | None = None) -> CitizenProfile:
    """Check ``code`` against the phone's newest code; on success the citizen's profile."""
    now = now or utcnow()
    bidx = phone_bidx(phone)
    row = db.session.scalar(
        select(SmsCode)
        .where(SmsCode.phone_bidx == bidx)
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc())
        .limit(1)
        .with_for_update()
    )
    if row is None or row.used_at is not None or row.superseded_at is not None:
        raise CodeRejected("验证码无效，请重新获取", code="sms_code_invalid")
    if row.locked_at is not None:
        raise CodeLocked("验证码错误次数过多，已失效，请重新获取")
    if row.expires_at <= now:
        raise CodeRejected("验证码已过期，请重新获取", code="sms_code_expired")
    if not hmac.compare_digest(_code_hash(row, code), row.code_hash):
        row.attempts += 1
        left = current_app.config["SMS_CODE_MAX_ATTEMPTS"] - row.attempts
        if left <= 0:
            row.locked_at = now
            raise CodeLocked("验证码错误次数过多，已失效，请重新获取")
        raise CodeRejected(f"验证码错误，还可尝试{left}次", details={"attempts_left": left})
    row.used_at = now
    return _profile_for(phone, bidx, now)


def _profile_for(phone: str, bidx: str, now: datetime) -> CitizenProfile:
    profile = db.session.scalar(select(CitizenProfile).where(CitizenProfile.phone_bidx == bidx))
    if profile is None:
        profile = CitizenProfile(phone_bidx=bidx, created_at=now)
        db.session.add(profile)
    if profile.phone is None:
        seal_field(runtime().cipher, profile, "phone", phone)
    profile.last_login_at = now
    db.session.flush()
    return profile


def login_profile(phone: str, now: datetime | None = None) -> CitizenProfile:
    """The profile of a phone proven by another route (WeChat's phone-number API)."""
    return _profile_for(phone, phone_bidx(phone), now or utcnow())


def profile_phone(phone_bidx: str) -> str:
    """The logged-in phone, decrypted in memory to be sealed again into a new order.

    It is never returned to a client, so this is not an access in the sense of the
    access log (DESIGN §4).
    """
    profile = db.session.scalar(
        select(CitizenProfile).where(CitizenProfile.phone_bidx == phone_bidx)
    )
    phone = open_field(runtime().cipher, profile, "phone") if profile else None
    if not phone:
        raise Unauthorized("登录信息已失效，请重新登录", code="invalid_token")
    return phone


# -- tokens -------------------------------------------------------------------------------
def _serializer() -> URLSafeSerializer:
    """One serializer per app and secret (building one derives its key)."""
    app = current_app._get_current_object()  # noqa: SLF001
    secret = app.config["SECRET_KEY"]
    cached = app.extensions.get("citizen_token_serializer")
    if cached is None or cached[0] != secret:
        cached = app.extensions["citizen_token_serializer"] = (
            secret,
            URLSafeSerializer(secret, salt=TOKEN_SALT),
        )
    return cached[1]


def issue_token(bidx: str, now: datetime | None = None) -> tuple[str, CitizenSession]:
    now = now or utcnow()
    ttl = timedelta(minutes=current_app.config["CITIZEN_TOKEN_TTL_MINUTES"])
    session = CitizenSession(bidx, secrets.token_hex(16), (now + ttl).replace(microsecond=0))
    payload = {"b": bidx, "t": session.token_id, "e": int(session.expires_at.timestamp())}
    return _serializer().dumps(payload), session


def read_token(token: str, now: datetime | None = None) -> CitizenSession:
    """The session a token stands for, checking signature and expiry only (no database)."""
    try:
        payload = _serializer().loads(token)
        session = CitizenSession(
            str(payload["b"]), str(payload["t"]), datetime.fromtimestamp(int(payload["e"]), UTC)
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        raise Unauthorized("登录凭证无效，请重新登录", code="invalid_token") from None
    if session.expires_at <= (now or utcnow()):
        raise Unauthorized("登录已过期，请重新登录", code="token_expired")
    return session


_REVOKED = select(CitizenTokenRevocation.token_id).where(
    CitizenTokenRevocation.token_id == bindparam("token_id")
)


def refuse_revoked(session: CitizenSession) -> None:
    """Raise 401 when the session was ended by logout."""
    row = db.session.connection().execute(_REVOKED, {"token_id": session.token_id}).first()
    if row is not None:
        raise Unauthorized("您已退出登录，请重新登录", code="token_revoked")


def revoke(session: CitizenSession) -> None:
    if db.session.get(CitizenTokenRevocation, session.token_id) is None:
        db.session.add(
            CitizenTokenRevocation(token_id=session.token_id, expires_at=session.expires_at)
        )
        db.session.flush()
