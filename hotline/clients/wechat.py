"""A small client for WeChat's server APIs used by the mini-program: login (code2Session),
the access token, the user's phone number and subscription messages.

Configuration (``WeChatClient.from_config`` reads a plain mapping, e.g. ``app.config``):

==========================  =============================  ======================================
key                         default                        meaning
==========================  =============================  ======================================
``WECHAT_API_BASE``         ``https://api.weixin.qq.com``  base URL (tests point it at a fake)
``WECHAT_APPID``            required                       the mini-program's AppID
``WECHAT_SECRET``           required                       its AppSecret
``WECHAT_CONNECT_TIMEOUT``  ``2.0`` seconds                TCP/TLS connect timeout
``WECHAT_READ_TIMEOUT``     ``5.0`` seconds                longest wait for each read
==========================  =============================  ======================================

Each client keeps one ``requests.Session`` (pooled keep-alive connections) and never retries
by itself: a retry is the caller's decision (see ``retry_after`` on the errors). The read
timeout bounds each wait for data, not the whole answer; WeChat's answers are small.

Errors all derive from :class:`WeChatError`, itself a :class:`hotline.errors.ApiError`, so an
API view can let them through and the citizen gets a Chinese message with a fitting status:

- ``CodeInvalid`` 400 ``wechat_code_invalid``: 40029, the login (or phone) code is invalid.
- ``CodeUsed`` 400 ``wechat_code_used``: 40163, the code was already used.
- ``LoginBlocked`` 403 ``wechat_login_blocked``: 40226, WeChat blocks a high-risk user.
- ``Refused`` 409 ``wechat_message_refused``: 43101, no (more) subscription consent.
- ``RateLimited`` 429 ``wechat_rate_limited``: 45011, the API's minute quota is used up.
- ``WeChatError`` 502 ``wechat_error``: any other errcode (in ``details``).
- ``WeChatConfigError`` 502 ``wechat_misconfigured``: appid, secret or IP whitelist refused.
- ``MessageInvalid`` 502 ``wechat_message_invalid``: 40003/40037/47003/41030.
- ``PhoneWatermarkMismatch`` 502 ``wechat_watermark_mismatch``: phone info of another appid.
- ``TokenInvalid`` 503 ``wechat_token_invalid``: 40001/40014/42001 on a call with a token.
- ``WeChatUnavailable`` 503 ``wechat_unavailable``: unreachable, timeout, 5xx, not JSON.
- ``WeChatBusy`` 503 ``wechat_busy``: -1, WeChat is busy.

``retry_after`` (seconds) is set on 429 and 503 errors and repeated in ``details``.

Privacy: the session key, the phone number, the openid/unionid, the codes, the secret and
the access token are never logged and never put into an exception's message or details;
log lines carry the API name, errcode, WeChat's request id (``rid``) and timings only.
Errors raised by ``requests`` are neither chained nor logged: their text contains the
URL, whose query holds the secret or the access token.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from hotline.errors import ApiError

log = logging.getLogger("hotline.wechat")

DEFAULT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_CONNECT_TIMEOUT = 2.0
DEFAULT_READ_TIMEOUT = 5.0
POOL_SIZE = 10  # keep-alive connections per client (one host)

# errcodes WeChat documents for these APIs
ERR_BUSY = -1
ERR_INVALID_CREDENTIAL = 40001  # token call: access token invalid / token fetch: bad secret
ERR_INVALID_GRANT_TYPE = 40002
ERR_INVALID_OPENID = 40003
ERR_INVALID_APPID = 40013
ERR_INVALID_ACCESS_TOKEN = 40014
ERR_INVALID_CODE = 40029
ERR_INVALID_TEMPLATE = 40037
ERR_INVALID_SECRET = 40125
ERR_CODE_USED = 40163
ERR_IP_NOT_WHITELISTED = 40164
ERR_LOGIN_BLOCKED = 40226
ERR_APPID_MISSING = 41002
ERR_SECRET_MISSING = 41004
ERR_INVALID_PAGE = 41030
ERR_TOKEN_EXPIRED = 42001
ERR_USER_REFUSED = 43101
ERR_RATE_LIMITED = 45011
ERR_INVALID_DATA = 47003

TOKEN_ERRCODES = frozenset({ERR_INVALID_CREDENTIAL, ERR_INVALID_ACCESS_TOKEN, ERR_TOKEN_EXPIRED})
CONFIG_ERRCODES = frozenset(
    {
        ERR_INVALID_CREDENTIAL,  # only where appid/secret are sent (token fetch, code2Session)
        ERR_INVALID_GRANT_TYPE,
        ERR_INVALID_APPID,
        ERR_INVALID_SECRET,
        ERR_IP_NOT_WHITELISTED,
        ERR_APPID_MISSING,
        ERR_SECRET_MISSING,
    }
)

SUBSCRIBE_STATES = ("developer", "trial", "formal")


# -- errors -------------------------------------------------------------------------------
class WeChatError(ApiError):
    """WeChat refused or failed a call. ``errcode`` is WeChat's, when it gave one."""

    status, code = 502, "wechat_error"
    default_message = "微信服务返回错误，请稍后再试"
    default_retry_after: int | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        errcode: int | None = None,
        retry_after: int | None = None,
        details: dict | None = None,
        code: str | None = None,
        status: int | None = None,
    ):
        details = dict(details or {})
        if errcode is not None:
            details["errcode"] = errcode
        if retry_after is None:
            retry_after = self.default_retry_after
        if retry_after is not None:
            details["retry_after"] = retry_after
        super().__init__(message or self.default_message, code=code, status=status, details=details)
        self.errcode = errcode
        self.retry_after = retry_after


class WeChatConfigError(WeChatError):
    """WeChat refused our appid, secret, grant type or server IP: an operator must act."""

    code = "wechat_misconfigured"
    default_message = "微信服务暂不可用，请稍后再试或使用短信验证码登录"


class WeChatUnavailable(WeChatError):
    """WeChat could not be reached, timed out, or answered with 5xx or something not JSON.

    ``reason`` says which (``connect_timeout``, ``unreachable``, ``http_error``: WeChat did
    not act on the call; ``read_timeout``, ``not_json``, ``unexpected_answer``,
    ``request_failed``: it may have), so that a sender knows whether a retry is safe."""

    status, code = 503, "wechat_unavailable"
    default_message = "暂时无法连接微信服务，请稍后再试"
    default_retry_after = 10
    reason: str | None = None


class WeChatBusy(WeChatUnavailable):
    """errcode -1: WeChat says it is busy."""

    code = "wechat_busy"
    default_message = "微信服务繁忙，请稍后再试"
    default_retry_after = 5


class RateLimited(WeChatError):
    """errcode 45011: the API's minute quota is used up; WeChat says to retry next minute."""

    status, code = 429, "wechat_rate_limited"
    default_message = "微信接口调用过于频繁，请一分钟后再试"
    default_retry_after = 60


class CodeInvalid(WeChatError):
    """errcode 40029: the login (or phone) code is unknown or expired (codes live 5 min)."""

    status, code = 400, "wechat_code_invalid"
    default_message = "微信登录凭证无效或已过期，请重新登录"


class CodeUsed(CodeInvalid):
    """errcode 40163: the code was already used (codes are single-use)."""

    code = "wechat_code_used"
    default_message = "微信登录凭证已使用，请重新登录"


class LoginBlocked(WeChatError):
    """errcode 40226: WeChat rates the user high-risk and blocks mini-program login."""

    status, code = 403, "wechat_login_blocked"
    default_message = "该微信帐号被微信安全策略限制，暂时无法使用微信登录，请改用短信验证码登录"


class TokenInvalid(WeChatError):
    """errcode 40001/40014/42001 on a call made with an access token: the token is invalid
    (superseded) or expired. ``AccessTokenManager.call`` catches it, fetches a new token and
    retries once; it reaches a citizen only when the retry fails too."""

    status, code = 503, "wechat_token_invalid"
    default_message = "微信服务暂时不可用，请稍后再试"
    default_retry_after = 5


class Refused(WeChatError):
    """errcode 43101: the user has not subscribed to this template, or has used up their
    consent. A delivery outcome to record, not a bug."""

    status, code = 409, "wechat_message_refused"
    default_message = "用户未订阅该消息或订阅次数已用完，消息未发送"


class MessageInvalid(WeChatError):
    """errcode 40003/40037/47003/41030: WeChat rejected the message as built (a bug or bad
    configuration). ``details['field']`` names the part: touser, template_id, data, page."""

    code = "wechat_message_invalid"
    default_message = "订阅消息内容不符合微信要求，消息未发送"


class PhoneWatermarkMismatch(WeChatError):
    """The phone info's watermark names another mini-program: it is not for us."""

    code = "wechat_watermark_mismatch"
    default_message = "手机号校验未通过，请重新授权"


_PHONE_CODE_MESSAGES = {
    CodeInvalid: "手机号授权凭证无效或已过期，请重新授权",
    CodeUsed: "手机号授权凭证已使用，请重新授权",
}
_MESSAGE_FIELDS = {
    ERR_INVALID_OPENID: ("touser", "接收消息的用户无效，消息未发送"),
    ERR_INVALID_TEMPLATE: ("template_id", "订阅消息模板无效，消息未发送"),
    ERR_INVALID_DATA: ("data", "订阅消息内容不符合模板要求，消息未发送"),
    ERR_INVALID_PAGE: ("page", "订阅消息跳转页面无效，消息未发送"),
}


# -- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class WeChatSession:
    """code2Session's answer. Personal identifiers and the key are kept out of ``repr``."""

    openid: str = field(repr=False)
    unionid: str | None = field(repr=False)
    session_key: str = field(repr=False)


@dataclass(frozen=True)
class PhoneInfo:
    phone: str = field(repr=False)  # phoneNumber: with the country code for foreign numbers
    pure_phone: str = field(repr=False)  # purePhoneNumber: without it
    country_code: str
    watermark_appid: str
    watermark_timestamp: int


_RID = re.compile(r"rid:\s*([0-9A-Za-z-]+)")


def _rid(errmsg: Any) -> str | None:
    """WeChat's request id from an errmsg: the one part of it worth logging."""
    match = _RID.search(errmsg) if isinstance(errmsg, str) else None
    return match.group(1) if match else None


def _log(level: int, event: str, **fields: Any) -> None:
    if log.isEnabledFor(level):
        log.log(level, json.dumps({"event": event, **fields}, ensure_ascii=False))


# -- the client ---------------------------------------------------------------------------
class WeChatClient:
    """WeChat's server APIs for one mini-program. Thread-safe; close it when done."""

    def __init__(
        self,
        base_url: str,
        appid: str,
        secret: str,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        session: requests.Session | None = None,
    ):
        if not appid or not secret:
            raise ValueError("WeChat appid and secret are required")
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("WeChat timeouts must be positive")
        self.base_url = base_url.rstrip("/")
        self.appid = appid
        self._secret = secret
        self.timeout = (float(connect_timeout), float(read_timeout))
        self._own_session = session is None
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers["User-Agent"] = "yangguang-banli/wechat-client"
        self._session = session

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WeChatClient:
        appid, secret = config.get("WECHAT_APPID"), config.get("WECHAT_SECRET")
        if not appid or not secret:
            raise ValueError("WECHAT_APPID and WECHAT_SECRET must be configured")
        return cls(
            config.get("WECHAT_API_BASE") or DEFAULT_API_BASE,
            appid,
            secret,
            connect_timeout=float(config.get("WECHAT_CONNECT_TIMEOUT") or DEFAULT_CONNECT_TIMEOUT),
            read_timeout=float(config.get("WECHAT_READ_TIMEOUT") or DEFAULT_READ_TIMEOUT),
        )

    def __repr__(self) -> str:
        return f"<WeChatClient {self.base_url} appid={self.appid}>"

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def __enter__(self) -> WeChatClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- APIs -----------------------------------------------------------------------------
    def code_to_session(self, code: str) -> WeChatSession:
        """auth.code2Session: exchange a ``wx.login`` code for the user's identifiers."""
        if not code:
            raise CodeInvalid()
        body = self._call(
            "code2session",
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self.appid,
                "secret": self._secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )
        self._raise_for_errcode("code2session", body, credentials_sent=True)
        openid, session_key = body.get("openid"), body.get("session_key")
        if not isinstance(openid, str) or not openid or not isinstance(session_key, str):
            raise self._malformed("code2session")
        unionid = body.get("unionid")
        return WeChatSession(
            openid=openid,
            unionid=unionid if isinstance(unionid, str) and unionid else None,
            session_key=session_key,
        )

    def fetch_access_token(self) -> tuple[str, int]:
        """auth.getAccessToken. Each fetch invalidates the previous token at WeChat, so call
        it only through :class:`hotline.clients.wechat_token.AccessTokenManager`."""
        body = self._call(
            "token",
            "GET",
            "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self._secret},
        )
        self._raise_for_errcode("token", body, credentials_sent=True)
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if (
            not isinstance(token, str)
            or not token
            or not isinstance(expires_in, int)
            or isinstance(expires_in, bool)
            or expires_in <= 0
        ):
            raise self._malformed("token")
        return token, expires_in

    def phone_number(self, access_token: str, code: str) -> PhoneInfo:
        """phonenumber.getPhoneNumber: exchange a ``getPhoneNumber`` button code."""
        if not code:
            raise CodeInvalid(_PHONE_CODE_MESSAGES[CodeInvalid])
        body = self._call(
            "phone",
            "POST",
            "/wxa/business/getuserphonenumber",
            params={"access_token": access_token},
            json_body={"code": code},
        )
        try:
            self._raise_for_errcode("phone", body)
        except CodeInvalid as exc:
            raise type(exc)(_PHONE_CODE_MESSAGES[type(exc)], errcode=exc.errcode) from None
        info = body.get("phone_info")
        if not isinstance(info, dict):
            raise self._malformed("phone")
        watermark = info.get("watermark") if isinstance(info.get("watermark"), dict) else {}
        phone, pure = info.get("phoneNumber"), info.get("purePhoneNumber")
        if not isinstance(phone, str) or not phone or not isinstance(pure, str) or not pure:
            raise self._malformed("phone")
        watermark_appid = str(watermark.get("appid") or "")
        if watermark_appid != self.appid:
            _log(logging.ERROR, "wechat_watermark_mismatch", api="phone")
            raise PhoneWatermarkMismatch()
        try:
            timestamp = int(watermark.get("timestamp") or 0)
        except (TypeError, ValueError):
            timestamp = 0
        return PhoneInfo(
            phone=phone,
            pure_phone=pure,
            country_code=str(info.get("countryCode") or ""),
            watermark_appid=watermark_appid,
            watermark_timestamp=timestamp,
        )

    def send_subscribe_message(
        self,
        access_token: str,
        openid: str,
        template_id: str,
        data: Mapping[str, Any],
        page: str | None = None,
        state: str | None = None,
        *,
        lang: str | None = None,
    ) -> int | None:
        """subscribeMessage.send. ``data`` maps each template keyword to its text (or to
        ``{"value": text}``); ``state`` is the mini-program version the message opens:
        ``developer``, ``trial`` or ``formal`` (WeChat's default). Returns WeChat's msgid.
        Raises :class:`Refused` when the user has no consent left for this template."""
        if state is not None and state not in SUBSCRIBE_STATES:
            raise ValueError(f"state must be one of {SUBSCRIBE_STATES}")
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {
                key: dict(value) if isinstance(value, Mapping) else {"value": str(value)}
                for key, value in data.items()
            },
        }
        if page:
            payload["page"] = page
        if state:
            payload["miniprogram_state"] = state
        if lang:
            payload["lang"] = lang
        body = self._call(
            "subscribe",
            "POST",
            "/cgi-bin/message/subscribe/send",
            params={"access_token": access_token},
            json_body=payload,
        )
        self._raise_for_errcode("subscribe", body)
        msgid = body.get("msgid")
        return msgid if isinstance(msgid, int) and not isinstance(msgid, bool) else None

    # -- plumbing -------------------------------------------------------------------------
    def _call(
        self,
        api: str,
        method: str,
        path: str,
        *,
        params: dict[str, str],
        json_body: dict | None = None,
    ) -> dict:
        """One HTTP exchange; returns the decoded JSON object or raises WeChatUnavailable.
        Never lets the URL (secret, token, codes) reach a message or a log line."""
        data = headers = None
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json; charset=utf-8"}
        started = time.monotonic()
        reason = None
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                data=data,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.ConnectTimeout:
            reason = "connect_timeout"
        except requests.ReadTimeout:
            reason = "read_timeout"
        except requests.ConnectionError:
            reason = "unreachable"
        except requests.RequestException:
            reason = "request_failed"
        elapsed_ms = round((time.monotonic() - started) * 1000)
        if reason:
            _log(logging.WARNING, "wechat_unavailable", api=api, reason=reason, ms=elapsed_ms)
            raise _unavailable(reason)
        if response.status_code >= 500:
            _log(
                logging.WARNING,
                "wechat_unavailable",
                api=api,
                reason="http_error",
                http_status=response.status_code,
                ms=elapsed_ms,
            )
            raise _unavailable("http_error")
        if response.status_code != 200:
            _log(logging.ERROR, "wechat_http_error", api=api, http_status=response.status_code)
            raise WeChatError(details={"http_status": response.status_code})
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            _log(logging.WARNING, "wechat_unavailable", api=api, reason="not_json", ms=elapsed_ms)
            raise _unavailable("not_json")
        return body

    def _malformed(self, api: str) -> WeChatUnavailable:
        _log(logging.WARNING, "wechat_unavailable", api=api, reason="unexpected_answer")
        return _unavailable("unexpected_answer")

    def _raise_for_errcode(self, api: str, body: dict, *, credentials_sent: bool = False) -> None:
        errcode = body.get("errcode")
        if errcode in (None, 0):
            return
        if not isinstance(errcode, int) or isinstance(errcode, bool):
            raise self._malformed(api)
        exc = _error_for(api, errcode, credentials_sent=credentials_sent)
        level = logging.INFO if isinstance(exc, Refused | CodeInvalid) else logging.WARNING
        if isinstance(exc, WeChatConfigError | MessageInvalid | PhoneWatermarkMismatch):
            level = logging.ERROR
        _log(
            level,
            "wechat_error",
            api=api,
            errcode=errcode,
            error=exc.code,
            rid=_rid(body.get("errmsg")),
        )
        raise exc


def _unavailable(reason: str) -> WeChatUnavailable:
    exc = WeChatUnavailable()
    exc.reason = reason
    return exc


def _error_for(api: str, errcode: int, *, credentials_sent: bool) -> WeChatError:
    """The exception for a WeChat errcode answered by ``api``."""
    if errcode == ERR_BUSY:
        return WeChatBusy(errcode=errcode)
    if errcode == ERR_RATE_LIMITED:
        return RateLimited(errcode=errcode)
    if credentials_sent and errcode in CONFIG_ERRCODES:
        return WeChatConfigError(errcode=errcode)
    if not credentials_sent and errcode in TOKEN_ERRCODES:
        return TokenInvalid(errcode=errcode)
    if api in ("code2session", "phone"):
        if errcode == ERR_INVALID_CODE:
            return CodeInvalid(errcode=errcode)
        if errcode == ERR_CODE_USED:
            return CodeUsed(errcode=errcode)
    if api == "code2session" and errcode == ERR_LOGIN_BLOCKED:
        return LoginBlocked(errcode=errcode)
    if api == "subscribe":
        if errcode == ERR_USER_REFUSED:
            return Refused(errcode=errcode)
        if errcode in _MESSAGE_FIELDS:
            part, message = _MESSAGE_FIELDS[errcode]
            return MessageInvalid(message, errcode=errcode, details={"field": part})
    if errcode in (ERR_IP_NOT_WHITELISTED, ERR_INVALID_APPID):
        return WeChatConfigError(errcode=errcode)
    return WeChatError(errcode=errcode)
