"""A local fake of WeChat's server APIs, for tests (they must never reach the internet).

It serves, on a free 127.0.0.1 port in a background thread, the four APIs the back end
calls, with WeChat's documented answers:

- ``GET /sns/jscode2session`` (code2Session): codes registered with :meth:`add_login_code`;
  unknown code 40029, reused code 40163, ``blocked=True`` 40226, wrong appid 40013, wrong
  secret 40125.
- ``GET /cgi-bin/token``: a new token each time; the previous one stops working at once
  (``grace_seconds`` keeps it valid longer); tokens expire after ``token_ttl`` seconds
  (42001 then). Wrong appid 40013, wrong secret 40001, wrong grant type 40002.
- ``POST /wxa/business/getuserphonenumber``: codes registered with :meth:`add_phone_code`
  (the watermark may name another appid); bad token 40001, expired 42001, unknown code
  40029, reused 40163.
- ``POST /cgi-bin/message/subscribe/send``: unknown openid 40003, unknown template 40037,
  data not matching the template's keywords (or too long: thing ≤ 20 characters, phrase
  ≤ 5, name ≤ 10) 47003, page not in :attr:`pages` (when set) 41030, no subscription left
  (:meth:`grant_subscription`) 43101.

Every request is recorded (:attr:`requests`, :meth:`calls`, :meth:`count`) and each endpoint
can be scripted to fail for its next calls: :meth:`fail` (an errcode), :meth:`http_error`,
:meth:`non_json`, :meth:`hang` (accept, never answer; released on :meth:`stop`) and
:meth:`delay`. Endpoints are named ``code2session``, ``token``, ``phone``, ``subscribe``.

Use the ``wechat_server`` fixture (import it into a conftest, or into a test module under
another name: ``from tests.fakes.wechat_server import wechat_server as _wechat_server``; the
fixture keeps its name), or the class as a context manager.
"""

from __future__ import annotations

import itertools
import json
import secrets
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

DEFAULT_APPID = "wx0123456789abcdef"
DEFAULT_SECRET = "fake-app-secret-0123456789abcdef"

ENDPOINTS = {
    "/sns/jscode2session": ("code2session", "GET"),
    "/cgi-bin/token": ("token", "GET"),
    "/wxa/business/getuserphonenumber": ("phone", "POST"),
    "/cgi-bin/message/subscribe/send": ("subscribe", "POST"),
}
ENDPOINT_NAMES = {name for name, _ in ENDPOINTS.values()}

ERRMSGS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    40164: "invalid ip, not in whitelist",
    40226: "code blocked",
    41030: "invalid page",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
}
KEYWORD_LIMITS = {"thing": 20, "phrase": 5, "name": 10}


@dataclass(frozen=True)
class RecordedRequest:
    endpoint: str | None  # None for an unknown path
    method: str
    path: str
    query: dict[str, str]
    json: Any  # the decoded body, or None


@dataclass
class _Script:
    kind: str  # errcode | http | non_json | hang
    remaining: int
    errcode: int | None = None
    errmsg: str | None = None
    http_status: int = 500


@dataclass
class _LoginCode:
    openid: str
    unionid: str | None
    session_key: str
    blocked: bool


@dataclass
class _PhoneCode:
    phone: str
    pure_phone: str
    country_code: str
    watermark_appid: str


@dataclass
class _Token:
    value: str
    expires_at: float  # time.monotonic()
    valid_until: float = field(default=float("inf"))  # superseded tokens: end of grace


def _rid() -> str:
    return "-".join(secrets.token_hex(4) for _ in range(3))


class _QuietHandler(WSGIRequestHandler):
    """No access log; connections are tracked so that stop() can close idle keep-alives."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.fake._connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._connection_closed(self.connection)


class FakeWeChatServer:
    """A fake ``api.weixin.qq.com``. Thread-safe; start() / stop() or use ``with``."""

    def __init__(
        self,
        appid: str = DEFAULT_APPID,
        secret: str = DEFAULT_SECRET,
        *,
        token_ttl: float = 7200,
        grace_seconds: float = 0,
    ):
        self.appid = appid
        self.secret = secret
        self.token_ttl = token_ttl
        self.grace_seconds = grace_seconds
        self.pages: set[str] | None = None  # None: any page is valid
        self.requests: list[RecordedRequest] = []
        self.sent_messages: list[dict] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._idle = threading.Condition(self._lock)
        self._active = 0
        self._connections: set[socket.socket] = set()
        self._scripts: dict[str, list[_Script]] = defaultdict(list)
        self._delays: dict[str, list[float]] = defaultdict(list)
        self._login_codes: dict[str, _LoginCode] = {}
        self._phone_codes: dict[str, _PhoneCode] = {}
        self._used_codes: set[str] = set()
        self._users: set[str] = set()
        self._templates: dict[str, set[str]] = {}
        self._subscriptions: dict[tuple[str, str], int] = defaultdict(int)
        self._tokens: list[_Token] = []
        self._counter = itertools.count(1)
        self._server = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeWeChatServer:
        self._release.clear()
        self._server = make_server(
            "127.0.0.1", 0, self, threaded=True, request_handler=_QuietHandler
        )
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-wechat",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: release hanging requests, close idle keep-alive connections."""
        if self._server is None:
            return
        self._release.set()
        self._server.shutdown()
        self._thread.join(timeout)
        self._server.server_close()
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._active and time.monotonic() < deadline:
                self._idle.wait(deadline - time.monotonic())
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server = None

    def __enter__(self) -> FakeWeChatServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _connection_opened(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def _connection_closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)

    # -- test set-up ----------------------------------------------------------------------
    def add_login_code(
        self,
        code: str,
        *,
        openid: str,
        unionid: str | None = None,
        session_key: str | None = None,
        blocked: bool = False,
    ) -> None:
        """A ``wx.login`` code; ``blocked`` makes WeChat refuse the user (40226)."""
        with self._lock:
            self._login_codes[code] = _LoginCode(
                openid, unionid, session_key or secrets.token_urlsafe(16), blocked
            )
            self._users.add(openid)

    def add_phone_code(
        self,
        code: str,
        pure_phone: str = "13800138000",
        *,
        country_code: str = "86",
        watermark_appid: str | None = None,
    ) -> None:
        """A ``getPhoneNumber`` code; ``watermark_appid`` defaults to this server's appid."""
        phone = pure_phone if country_code == "86" else f"+{country_code}{pure_phone}"
        with self._lock:
            self._phone_codes[code] = _PhoneCode(
                phone, pure_phone, country_code, watermark_appid or self.appid
            )

    def add_user(self, openid: str) -> None:
        with self._lock:
            self._users.add(openid)

    def add_template(self, template_id: str, keywords: set[str] | list[str]) -> None:
        """A subscription template and its keywords, e.g. ``{"thing1", "time2"}``."""
        with self._lock:
            self._templates[template_id] = set(keywords)

    def grant_subscription(self, openid: str, template_id: str, times: int = 1) -> None:
        """The user accepted ``times`` messages of this template (one-time subscriptions)."""
        with self._lock:
            self._users.add(openid)
            self._subscriptions[(openid, template_id)] += times

    def subscriptions_left(self, openid: str, template_id: str) -> int:
        with self._lock:
            return self._subscriptions[(openid, template_id)]

    # -- tokens ---------------------------------------------------------------------------
    @property
    def current_token(self) -> str | None:
        with self._lock:
            return self._tokens[-1].value if self._tokens else None

    def issue_token(self) -> str:
        """Fetch a token out of band (as another program would): ours stops working."""
        with self._lock:
            return self._issue_token()

    def expire_tokens(self) -> None:
        """Make every issued token expired (42001 from now on)."""
        with self._lock:
            now = time.monotonic()
            for token in self._tokens:
                token.expires_at = min(token.expires_at, now)

    def _issue_token(self) -> str:
        now = time.monotonic()
        for old in self._tokens:
            old.valid_until = min(old.valid_until, now + self.grace_seconds)
        value = f"FAKE_ACCESS_TOKEN_{next(self._counter)}_{secrets.token_urlsafe(24)}"
        self._tokens.append(_Token(value, now + self.token_ttl))
        return value

    def _token_error(self, value: str | None) -> int | None:
        now = time.monotonic()
        for token in self._tokens:
            if token.value == value and now < token.valid_until:
                return 42001 if now >= token.expires_at else None
        return 40001

    # -- scripting ------------------------------------------------------------------------
    def fail(self, endpoint: str, errcode: int, *, times: int = 1, errmsg: str | None = None):
        """Answer ``errcode`` to the next ``times`` calls of ``endpoint``."""
        self._script(endpoint, _Script("errcode", times, errcode=errcode, errmsg=errmsg))

    def http_error(self, endpoint: str, status: int = 500, *, times: int = 1) -> None:
        self._script(endpoint, _Script("http", times, http_status=status))

    def non_json(self, endpoint: str, *, times: int = 1) -> None:
        """Answer an HTML page with status 200, as a proxy or a captive portal would."""
        self._script(endpoint, _Script("non_json", times))

    def hang(self, endpoint: str, *, times: int = 1) -> None:
        """Accept the next ``times`` calls and never answer (until stop())."""
        self._script(endpoint, _Script("hang", times))

    def delay(self, endpoint: str, seconds: float, *, times: int = 1) -> None:
        """Wait ``seconds`` before answering each of the next ``times`` calls."""
        self._check_endpoint(endpoint)
        with self._lock:
            self._delays[endpoint].extend([seconds] * times)

    def _script(self, endpoint: str, script: _Script) -> None:
        self._check_endpoint(endpoint)
        with self._lock:
            self._scripts[endpoint].append(script)

    @staticmethod
    def _check_endpoint(endpoint: str) -> None:
        if endpoint not in ENDPOINT_NAMES:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {sorted(ENDPOINT_NAMES)}")

    def _next_script(self, endpoint: str) -> _Script | None:
        queue = self._scripts[endpoint]
        if not queue:
            return None
        script = queue[0]
        script.remaining -= 1
        if script.remaining <= 0:
            queue.pop(0)
        return script

    # -- what was asked -------------------------------------------------------------------
    def calls(self, endpoint: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def count(self, endpoint: str) -> int:
        return len(self.calls(endpoint))

    # -- WSGI -----------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        with self._lock:
            self._active += 1
        try:
            status, headers, body = self._handle(environ)
        finally:
            with self._lock:
                self._active -= 1
                self._idle.notify_all()
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _handle(self, environ) -> tuple[str, list[tuple[str, str]], bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
            bad_json = False
        except ValueError:
            body, bad_json = None, True
        endpoint, expected_method = ENDPOINTS.get(path, (None, None))
        with self._lock:
            self.requests.append(RecordedRequest(endpoint, method, path, query, body))
            if endpoint is None:
                return "404 Not Found", [("Content-Type", "text/plain")], b"not found"
            if method != expected_method:
                return "405 Method Not Allowed", [("Content-Type", "text/plain")], b""
            script = self._next_script(endpoint)
            delays = self._delays[endpoint]
            delay = delays.pop(0) if delays else 0
        if delay:
            self._release.wait(delay)
        if script is not None:
            if script.kind == "hang":
                self._release.wait()
                return "503 Service Unavailable", [("Content-Type", "text/plain")], b""
            if script.kind == "http":
                return f"{script.http_status} Error", [("Content-Type", "text/html")], b"<h1>error"
            if script.kind == "non_json":
                return "200 OK", [("Content-Type", "text/html")], b"<html>gateway</html>"
            return self._error(script.errcode, script.errmsg)
        if bad_json:
            return self._error(47001)
        with self._lock:
            handler = getattr(self, f"_api_{endpoint}")
            return handler(query, body if isinstance(body, dict) else {})

    @staticmethod
    def _json(payload: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        data = json.dumps(payload, ensure_ascii=False).encode()
        return "200 OK", [("Content-Type", "application/json; encoding=utf-8")], data

    def _error(self, errcode: int, errmsg: str | None = None):
        message = errmsg or ERRMSGS.get(errcode, "error")
        return self._json({"errcode": errcode, "errmsg": f"{message} rid: {_rid()}"})

    # -- the APIs (called under self._lock) -----------------------------------------------
    def _api_code2session(self, query: dict, body: dict):
        if query.get("appid") != self.appid:
            return self._error(40013)
        if query.get("secret") != self.secret:
            return self._error(40125)
        if query.get("grant_type") != "authorization_code":
            return self._error(40002)
        code = query.get("js_code", "")
        if code in self._used_codes:
            return self._error(40163)
        login = self._login_codes.get(code)
        if login is None:
            return self._error(40029)
        self._used_codes.add(code)
        if login.blocked:
            return self._error(40226)
        answer = {"openid": login.openid, "session_key": login.session_key}
        if login.unionid:
            answer["unionid"] = login.unionid
        return self._json(answer)

    def _api_token(self, query: dict, body: dict):
        if query.get("grant_type") != "client_credential":
            return self._error(40002)
        if query.get("appid") != self.appid:
            return self._error(40013)
        if query.get("secret") != self.secret:
            return self._error(40001, "invalid credential, invalid appsecret")
        ttl = self.token_ttl
        return self._json({"access_token": self._issue_token(), "expires_in": int(ttl)})

    def _api_phone(self, query: dict, body: dict):
        if error := self._token_error(query.get("access_token")):
            return self._error(error)
        code = body.get("code")
        if code in self._used_codes:
            return self._error(40163)
        phone = self._phone_codes.get(code) if isinstance(code, str) else None
        if phone is None:
            return self._error(40029)
        self._used_codes.add(code)
        info = {
            "phoneNumber": phone.phone,
            "purePhoneNumber": phone.pure_phone,
            "countryCode": phone.country_code,
            "watermark": {"timestamp": int(time.time()), "appid": phone.watermark_appid},
        }
        return self._json({"errcode": 0, "errmsg": "ok", "phone_info": info})

    def _api_subscribe(self, query: dict, body: dict):
        if error := self._token_error(query.get("access_token")):
            return self._error(error)
        openid, template_id = body.get("touser"), body.get("template_id")
        if openid not in self._users:
            return self._error(40003)
        keywords = self._templates.get(template_id) if isinstance(template_id, str) else None
        if keywords is None:
            return self._error(40037)
        if not self._valid_data(body.get("data"), keywords):
            return self._error(47003)
        page = body.get("page")
        if page is not None and self.pages is not None and page not in self.pages:
            return self._error(41030)
        key = (openid, template_id)
        if self._subscriptions[key] <= 0:
            return self._error(43101)
        self._subscriptions[key] -= 1
        msgid = 1_000_000 + next(self._counter)
        self.sent_messages.append({**body, "msgid": msgid})
        return self._json({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    @staticmethod
    def _valid_data(data: Any, keywords: set[str]) -> bool:
        if not isinstance(data, dict) or set(data) != keywords:
            return False
        for key, item in data.items():
            value = item.get("value") if isinstance(item, dict) else None
            if not isinstance(value, str) or not value:
                return False
            kind = key.rstrip("0123456789")
            if len(value) > KEYWORD_LIMITS.get(kind, 10_000):
                return False
        return True


@pytest.fixture(name="wechat_server")
def wechat_server():
    """A running :class:`FakeWeChatServer` with the default appid and secret."""
    with FakeWeChatServer() as server:
        yield server
