"""Citizen login from the WeChat mini-program, ending in the same bearer token as SMS login.

1. ``login(code)``: the ``wx.login`` code goes to WeChat's code2Session, server side only.
   An openid already bound to a phone gets the citizen token of that phone
   (``auth.issue_token``); a new one gets a binding ticket.
2. ``bind_phone(ticket, code)``: the ``getPhoneNumber`` code goes to WeChat's phone-number
   API (the client checks that the watermark names our appid); the openid is bound to the
   phone and the token issued. The ticket is signed, lives ``WECHAT_TICKET_TTL_SECONDS``
   and works once (its row is marked used in the same transaction as the binding).

The openid is personal data: it is stored only sealed (bound to its row), and found by its
keyed blind index (purpose ``openid``). The unionid is not kept. ``session_key`` is
dropped as soon as code2Session answers: it is needed only to decrypt data encrypted by
the mini-program, which we never ask for (the phone number comes from the phone-number API,
which needs the access token instead).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select, update

from hotline.clients.wechat import WeChatClient
from hotline.clients.wechat_token import AccessTokenManager, RedisTokenStore, SqlTokenStore
from hotline.errors import ApiError, Invalid
from hotline.extensions import db
from hotline.models.citizen import CitizenProfile
from hotline.models.notifications import WeChatBinding, WeChatTicket
from hotline.services.citizen import auth as citizen_auth
from privacy.blind_index import blind_index
from privacy.fields import open_field, seal_field
from privacy.masking import mask_phone
from privacy.orm import utcnow
from privacy.runtime import runtime

TICKET_SALT = "yg-wechat-ticket-v1"
_MOBILE = re.compile(r"1[3-9]\d{9}")


class WeChatOff(ApiError):
    """The deployment has no WeChat AppID/secret: only SMS login is offered. A 404, not a
    503: waiting will not make the feature appear."""

    status, code = 404, "wechat_not_configured"


class TicketInvalid(ApiError):
    status, code = 400, "wechat_ticket_invalid"


@dataclass
class WeChatApi:
    """The app's WeChat client and the access token it shares with every worker."""

    client: WeChatClient
    tokens: AccessTokenManager


def _token_store(app: Flask):
    cfg = app.config
    choice = cfg["WECHAT_TOKEN_STORE"]
    if choice == "auto":
        uri = cfg["RATELIMIT_STORAGE_URI"] or ""
        choice = "redis" if uri.startswith(("redis://", "rediss://")) else "database"
    if choice == "redis":
        import redis  # the "redis" extra: installed wherever Redis is used

        client = redis.Redis.from_url(
            cfg["RATELIMIT_STORAGE_URI"], socket_timeout=2.0, socket_connect_timeout=2.0
        )
        return RedisTokenStore(client, key_prefix=f"{cfg['RATELIMIT_KEY_PREFIX']}:wechat")
    if choice == "database":
        return SqlTokenStore(db.engine)
    raise RuntimeError(f"WECHAT_TOKEN_STORE must be auto, redis or database, not {choice!r}")


def configured(app: Flask | None = None) -> bool:
    cfg = (app or current_app).config
    return bool(cfg.get("WECHAT_APPID") and cfg.get("WECHAT_SECRET"))


def api(app: Flask | None = None) -> WeChatApi:
    """The app's WeChat API (built on first use); 503 when WeChat is not configured."""
    app = app or current_app._get_current_object()  # noqa: SLF001
    built = app.extensions.get("wechat_api")
    if built is None:
        if not configured(app):
            raise WeChatOff("本服务未开通微信登录，请使用短信验证码登录")
        client = WeChatClient.from_config(app.config)
        built = app.extensions["wechat_api"] = WeChatApi(
            client, AccessTokenManager(client, _token_store(app))
        )
    return built


def openid_bidx(openid: str) -> str:
    return blind_index(runtime().ring, "openid", openid)


# -- tickets ------------------------------------------------------------------------------
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TICKET_SALT)


def _issue_ticket(openid: str, bidx: str, now: datetime) -> tuple[str, datetime]:
    ttl = timedelta(seconds=current_app.config["WECHAT_TICKET_TTL_SECONDS"])
    row = WeChatTicket(
        ticket_id=secrets.token_hex(16), openid_bidx=bidx, created_at=now, expires_at=now + ttl
    )
    seal_field(runtime().cipher, row, "openid", openid)
    db.session.add(row)
    db.session.flush()
    return _serializer().dumps({"t": row.ticket_id}), row.expires_at


def _ticket(ticket: str, now: datetime) -> WeChatTicket:
    try:
        ticket_id = str(_serializer().loads(ticket)["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise TicketInvalid("绑定凭证无效，请重新进行微信登录") from None
    row = db.session.scalar(select(WeChatTicket).where(WeChatTicket.ticket_id == ticket_id))
    if row is None:
        raise TicketInvalid("绑定凭证无效，请重新进行微信登录")
    if row.used_at is not None:
        raise TicketInvalid("绑定凭证已使用，请重新进行微信登录", code="wechat_ticket_used")
    if row.expires_at <= now:
        raise TicketInvalid("绑定凭证已过期，请重新进行微信登录", code="wechat_ticket_expired")
    return row


def ticket_key(ticket: str) -> str | None:
    """The ticket's id when its signature holds (for rate limits), else None."""
    try:
        return str(_serializer().loads(ticket)["t"])[:32]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


# -- login --------------------------------------------------------------------------------
@dataclass
class LoginResult:
    bound: bool
    token: str | None = None
    session: citizen_auth.CitizenSession | None = None
    phone: str | None = None  # masked
    ticket: str | None = None
    ticket_expires_at: datetime | None = None


def _session_for(binding: WeChatBinding, now: datetime) -> LoginResult | None:
    profile = db.session.scalar(
        select(CitizenProfile).where(CitizenProfile.phone_bidx == binding.phone_bidx)
    )
    phone = open_field(runtime().cipher, profile, "phone") if profile is not None else None
    if not phone:
        return None  # the profile was erased (retention): the phone must be bound again
    profile.last_login_at = binding.last_login_at = now
    token, session = citizen_auth.issue_token(binding.phone_bidx, now)
    return LoginResult(True, token, session, mask_phone(phone))


def login(code: str, now: datetime | None = None) -> LoginResult:
    now = now or utcnow()
    wechat = api()
    session = wechat.client.code_to_session(code)
    openid = session.openid  # the session key is dropped here, unused and never stored
    bidx = openid_bidx(openid)
    binding = db.session.scalar(select(WeChatBinding).where(WeChatBinding.openid_bidx == bidx))
    if binding is not None:
        result = _session_for(binding, now)
        if result is not None:
            db.session.flush()
            return result
        db.session.delete(binding)
        db.session.flush()
    ticket, expires_at = _issue_ticket(openid, bidx, now)
    return LoginResult(False, ticket=ticket, ticket_expires_at=expires_at)


def bind_phone(ticket: str, code: str, now: datetime | None = None) -> LoginResult:
    now = now or utcnow()
    row = _ticket(ticket, now)
    wechat = api()
    info = wechat.tokens.call(lambda token: wechat.client.phone_number(token, code))
    phone = info.pure_phone
    if info.country_code not in ("", "86") or not _MOBILE.fullmatch(phone):
        raise Invalid("仅支持中国大陆手机号码，请使用短信验证码登录", code="phone_not_supported")
    used = db.session.execute(
        update(WeChatTicket)
        .where(WeChatTicket.id == row.id, WeChatTicket.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise TicketInvalid("绑定凭证已使用，请重新进行微信登录", code="wechat_ticket_used")
    openid = open_field(runtime().cipher, row, "openid")
    profile = citizen_auth.login_profile(phone, now)
    bind(openid, row.openid_bidx, profile.phone_bidx, now)
    token, session = citizen_auth.issue_token(profile.phone_bidx, now)
    return LoginResult(True, token, session, mask_phone(phone))


def bind(openid: str, bidx: str, phone_bidx: str, now: datetime) -> WeChatBinding:
    """One WeChat user ↔ one phone: a new pair replaces whatever either was bound to."""
    db.session.execute(
        delete(WeChatBinding)
        .where((WeChatBinding.openid_bidx == bidx) | (WeChatBinding.phone_bidx == phone_bidx))
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    binding = WeChatBinding(
        openid_bidx=bidx, phone_bidx=phone_bidx, bound_at=now, last_login_at=now
    )
    seal_field(runtime().cipher, binding, "openid", openid)
    db.session.add(binding)
    db.session.flush()
    return binding


def binding_of(phone_bidx: str) -> WeChatBinding | None:
    return db.session.scalar(select(WeChatBinding).where(WeChatBinding.phone_bidx == phone_bidx))


def openid_of(binding: WeChatBinding) -> str | None:
    """The openid, decrypted in memory to address a message to it (never shown to anyone)."""
    return open_field(runtime().cipher, binding, "openid")
