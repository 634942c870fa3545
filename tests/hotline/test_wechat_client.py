"""The WeChat client and the shared access-token manager, against the local fake server."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hotline.clients.wechat import (
    CodeInvalid,
    CodeUsed,
    LoginBlocked,
    MessageInvalid,
    PhoneWatermarkMismatch,
    RateLimited,
    Refused,
    TokenInvalid,
    WeChatBusy,
    WeChatClient,
    WeChatConfigError,
    WeChatError,
    WeChatUnavailable,
)
from hotline.clients.wechat_token import (
    AccessTokenManager,
    RedisTokenStore,
    SqlTokenStore,
    define_token_table,
)
from hotline.config import database_url
from hotline.errors import ApiError
from tests.fakes.wechat_server import DEFAULT_APPID, DEFAULT_SECRET, FakeWeChatServer
from tests.fakes.wechat_server import wechat_server as _wechat_server  # noqa: F401  (fixture)

# The Redis and PostgreSQL stores run on CI's PostgreSQL+Redis pass (the SQLite pass has
# neither set); a service that is set but down fails the test rather than skipping it.
REDIS_URL = os.environ.get("RATELIMIT_STORAGE_URI", "")
POSTGRES_URL = database_url(os.environ.get("DATABASE_URL", ""))
TEMPLATE = "tmpl-order-progress"


def make_client(server: FakeWeChatServer, **kwargs) -> WeChatClient:
    kwargs.setdefault("connect_timeout", 1.0)
    kwargs.setdefault("read_timeout", 2.0)
    return WeChatClient(server.base_url, server.appid, server.secret, **kwargs)


@pytest.fixture
def client(wechat_server):
    with make_client(wechat_server) as client:
        yield client


def assert_error(exc: ApiError, cls: type, status: int, code: str, words: str) -> None:
    assert type(exc) is cls
    assert isinstance(exc, ApiError)
    assert (exc.status, exc.code) == (status, code)
    assert words in exc.message


# -- login ----------------------------------------------------------------------------------
def test_login_returns_openid_and_unionid(wechat_server, client):
    wechat_server.add_login_code("code-1", openid="o-1", unionid="u-1", session_key="sk-secret")

    session = client.code_to_session("code-1")

    assert (session.openid, session.unionid, session.session_key) == ("o-1", "u-1", "sk-secret")
    assert "sk-secret" not in repr(session)
    assert "o-1" not in repr(session)
    [call] = wechat_server.calls("code2session")
    assert call.method == "GET"
    assert call.query == {
        "appid": DEFAULT_APPID,
        "secret": DEFAULT_SECRET,
        "js_code": "code-1",
        "grant_type": "authorization_code",
    }


def test_login_without_unionid(wechat_server, client):
    wechat_server.add_login_code("code-2", openid="o-2")
    assert client.code_to_session("code-2").unionid is None


def test_login_code_is_single_use(wechat_server, client):
    wechat_server.add_login_code("code-3", openid="o-3")
    client.code_to_session("code-3")

    with pytest.raises(CodeUsed) as caught:
        client.code_to_session("code-3")

    assert_error(caught.value, CodeUsed, 400, "wechat_code_used", "请重新登录")
    assert caught.value.details == {"errcode": 40163}


@pytest.mark.parametrize(
    ("setup", "cls", "status", "code", "words", "retry_after"),
    [
        (lambda s: None, CodeInvalid, 400, "wechat_code_invalid", "请重新登录", None),
        (
            lambda s: s.add_login_code("code-x", openid="o-x", blocked=True),
            LoginBlocked,
            403,
            "wechat_login_blocked",
            "短信验证码登录",
            None,
        ),
        (
            lambda s: s.fail("code2session", 45011),
            RateLimited,
            429,
            "wechat_rate_limited",
            "一分钟后再试",
            60,
        ),
        (lambda s: s.fail("code2session", -1), WeChatBusy, 503, "wechat_busy", "繁忙", 5),
        (
            lambda s: s.fail("code2session", 40125),
            WeChatConfigError,
            502,
            "wechat_misconfigured",
            "短信验证码登录",
            None,
        ),
        (
            lambda s: s.fail("code2session", 40164),
            WeChatConfigError,
            502,
            "wechat_misconfigured",
            "稍后再试",
            None,
        ),
        (
            lambda s: s.fail("code2session", 99999),
            WeChatError,
            502,
            "wechat_error",
            "微信服务",
            None,
        ),
    ],
    ids=["40029", "40226", "45011", "busy", "40125", "40164", "other"],
)
def test_login_errors(wechat_server, client, setup, cls, status, code, words, retry_after):
    setup(wechat_server)

    with pytest.raises(WeChatError) as caught:
        client.code_to_session("code-x")

    exc = caught.value
    assert_error(exc, cls, status, code, words)
    assert exc.retry_after == retry_after
    assert exc.details.get("retry_after") == retry_after
    assert isinstance(exc.details["errcode"], int)
    assert "code-x" not in str(exc)
    assert DEFAULT_SECRET not in str(exc.details)


def test_wrong_secret_is_a_configuration_error(wechat_server):
    with (
        WeChatClient(wechat_server.base_url, DEFAULT_APPID, "wrong-secret") as client,
        pytest.raises(WeChatConfigError) as caught,
    ):
        client.code_to_session("code-1")
    assert caught.value.details == {"errcode": 40125}


# -- WeChat unreachable or broken -----------------------------------------------------------
@pytest.mark.parametrize(
    "script",
    [
        lambda s: s.http_error("code2session", 500),
        lambda s: s.http_error("code2session", 502),
        lambda s: s.non_json("code2session"),
    ],
    ids=["500", "502", "not-json"],
)
def test_broken_answers_give_503(wechat_server, client, script):
    script(wechat_server)

    with pytest.raises(WeChatUnavailable) as caught:
        client.code_to_session("code-1")

    assert_error(caught.value, WeChatUnavailable, 503, "wechat_unavailable", "稍后再试")
    assert caught.value.retry_after == caught.value.details["retry_after"] == 10


def test_hanging_server_costs_at_most_the_read_timeout(wechat_server):
    wechat_server.hang("code2session")
    with make_client(wechat_server, read_timeout=0.5) as client:
        started = time.monotonic()
        with pytest.raises(WeChatUnavailable) as caught:
            client.code_to_session("code-1")
        elapsed = time.monotonic() - started

    assert 0.4 <= elapsed < 2.0
    assert caught.value.status == 503
    assert caught.value.code == "wechat_unavailable"
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None  # the URL (secret, code) is not attached


def test_refused_connection_gives_503_quickly():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with WeChatClient(f"http://127.0.0.1:{port}", DEFAULT_APPID, DEFAULT_SECRET) as client:
        started = time.monotonic()
        with pytest.raises(WeChatUnavailable) as caught:
            client.code_to_session("code-1")
        assert time.monotonic() - started < 1.5
    assert caught.value.status == 503
    assert DEFAULT_SECRET not in str(caught.value)
    assert "code-1" not in str(caught.value)


def test_logs_carry_nothing_personal_or_secret(wechat_server, client, caplog):
    caplog.set_level(logging.DEBUG, logger="hotline")
    wechat_server.add_login_code(
        "code-p", openid="o-personal", unionid="u-personal", session_key="sk-personal"
    )
    wechat_server.add_phone_code("phone-p", "13912345678")
    client.code_to_session("code-p")
    with pytest.raises(CodeUsed):
        client.code_to_session("code-p")
    token, _ = client.fetch_access_token()
    client.phone_number(token, "phone-p")
    wechat_server.hang("token")
    with pytest.raises(WeChatUnavailable), make_client(wechat_server, read_timeout=0.3) as quick:
        quick.fetch_access_token()

    assert "wechat_error" in caplog.text
    assert "wechat_unavailable" in caplog.text
    for secret in (
        "code-p",
        "o-personal",
        "u-personal",
        "sk-personal",
        "phone-p",
        "13912345678",
        token,
        DEFAULT_SECRET,
    ):
        assert secret not in caplog.text


# -- access token ---------------------------------------------------------------------------
def test_fetch_access_token_and_old_token_stops_working(wechat_server, client):
    wechat_server.add_phone_code("phone-1")
    first, expires_in = client.fetch_access_token()
    second, _ = client.fetch_access_token()

    assert expires_in == 7200
    assert first != second
    with pytest.raises(TokenInvalid) as caught:
        client.phone_number(first, "phone-1")
    assert caught.value.errcode == 40001
    assert caught.value.status == 503
    assert client.phone_number(second, "phone-1").pure_phone == "13800138000"


@pytest.mark.parametrize(
    ("errcode", "cls", "status"),
    [
        (40001, WeChatConfigError, 502),
        (40013, WeChatConfigError, 502),
        (40125, WeChatConfigError, 502),
        (40164, WeChatConfigError, 502),
        (-1, WeChatBusy, 503),
    ],
)
def test_token_fetch_errors(wechat_server, client, errcode, cls, status):
    # 40001 here means a bad secret, not a bad token: it must not be TokenInvalid.
    wechat_server.fail("token", errcode)
    with pytest.raises(WeChatError) as caught:
        client.fetch_access_token()
    assert type(caught.value) is cls
    assert caught.value.status == status
    assert caught.value.details["errcode"] == errcode


# -- phone number ---------------------------------------------------------------------------
def test_phone_number(wechat_server, client):
    wechat_server.add_phone_code("phone-1", "13800138000")
    token, _ = client.fetch_access_token()

    info = client.phone_number(token, "phone-1")

    assert (info.phone, info.pure_phone, info.country_code) == ("13800138000",) * 2 + ("86",)
    assert info.watermark_appid == DEFAULT_APPID
    assert info.watermark_timestamp > 0
    assert "13800138000" not in repr(info)
    [call] = wechat_server.calls("phone")
    assert call.method == "POST"
    assert call.json == {"code": "phone-1"}
    assert call.query == {"access_token": token}


def test_phone_number_for_another_app_is_refused(wechat_server, client):
    wechat_server.add_phone_code("phone-2", watermark_appid="wx-someone-else")
    token, _ = client.fetch_access_token()
    with pytest.raises(PhoneWatermarkMismatch) as caught:
        client.phone_number(token, "phone-2")
    assert_error(caught.value, PhoneWatermarkMismatch, 502, "wechat_watermark_mismatch", "重新授权")


def test_phone_code_errors(wechat_server, client):
    wechat_server.add_phone_code("phone-3")
    token, _ = client.fetch_access_token()
    with pytest.raises(CodeInvalid) as caught:
        client.phone_number(token, "phone-unknown")
    assert_error(caught.value, CodeInvalid, 400, "wechat_code_invalid", "手机号授权")
    client.phone_number(token, "phone-3")
    with pytest.raises(CodeUsed) as caught:
        client.phone_number(token, "phone-3")
    assert_error(caught.value, CodeUsed, 400, "wechat_code_used", "手机号授权")


def test_expired_token_is_token_invalid(wechat_server, client):
    wechat_server.add_phone_code("phone-4")
    token, _ = client.fetch_access_token()
    wechat_server.expire_tokens()
    with pytest.raises(TokenInvalid) as caught:
        client.phone_number(token, "phone-4")
    assert caught.value.errcode == 42001


# -- subscription messages ------------------------------------------------------------------
@pytest.fixture
def subscriber(wechat_server):
    wechat_server.add_template(TEMPLATE, {"thing1", "time2"})
    wechat_server.grant_subscription("o-sub", TEMPLATE, times=1)
    return "o-sub"


DATA = {"thing1": "电梯维修已受理", "time2": {"value": "2026年11月30日 10:00"}}


def test_send_subscribe_message(wechat_server, client, subscriber):
    token, _ = client.fetch_access_token()

    msgid = client.send_subscribe_message(
        token, subscriber, TEMPLATE, DATA, page="pages/order/detail?id=1", state="trial"
    )

    assert isinstance(msgid, int)
    [call] = wechat_server.calls("subscribe")
    assert call.json == {
        "touser": "o-sub",
        "template_id": TEMPLATE,
        "page": "pages/order/detail?id=1",
        "miniprogram_state": "trial",
        "data": {"thing1": {"value": "电梯维修已受理"}, "time2": {"value": "2026年11月30日 10:00"}},
    }
    # one-time consent: the second message is refused
    with pytest.raises(Refused) as caught:
        client.send_subscribe_message(token, subscriber, TEMPLATE, DATA)
    assert_error(caught.value, Refused, 409, "wechat_message_refused", "未订阅")
    assert caught.value.errcode == 43101


@pytest.mark.parametrize(
    ("kwargs", "errcode", "part"),
    [
        ({"openid": "o-stranger"}, 40003, "touser"),
        ({"template_id": "tmpl-unknown"}, 40037, "template_id"),
        (
            {"data": {"thing1": "超过二十个字符的事项名称超过二十个字符的事项", "time2": "10:00"}},
            47003,
            "data",
        ),
        ({"page": "pages/nowhere"}, 41030, "page"),
    ],
    ids=["40003", "40037", "47003", "41030"],
)
def test_subscribe_message_rejected(wechat_server, client, subscriber, kwargs, errcode, part):
    wechat_server.pages = {"pages/order/detail"}
    token, _ = client.fetch_access_token()
    args = {"openid": subscriber, "template_id": TEMPLATE, "data": DATA} | kwargs

    with pytest.raises(MessageInvalid) as caught:
        client.send_subscribe_message(token, **args)

    assert caught.value.status == 502
    assert caught.value.code == "wechat_message_invalid"
    assert caught.value.details == {"errcode": errcode, "field": part}
    assert wechat_server.subscriptions_left(subscriber, TEMPLATE) == 1


def test_from_config():
    client = WeChatClient.from_config({"WECHAT_APPID": "wx1", "WECHAT_SECRET": "s1"})
    with client:
        assert client.base_url == "https://api.weixin.qq.com"
        assert client.timeout == (2.0, 5.0)
        assert "s1" not in repr(client)
    configured = WeChatClient.from_config(
        {
            "WECHAT_API_BASE": "http://127.0.0.1:9/",
            "WECHAT_APPID": "wx1",
            "WECHAT_SECRET": "s1",
            "WECHAT_CONNECT_TIMEOUT": "0.5",
            "WECHAT_READ_TIMEOUT": 3,
        }
    )
    with configured:
        assert configured.base_url == "http://127.0.0.1:9"
        assert configured.timeout == (0.5, 3.0)
    with pytest.raises(ValueError, match="WECHAT_APPID"):
        WeChatClient.from_config({"WECHAT_APPID": "wx1"})


# -- the shared token store -----------------------------------------------------------------
class Clock:
    """A UTC clock the tests move; shared by every manager of a test."""

    def __init__(self):
        self.now = datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += timedelta(seconds=seconds)


class Backend:
    """One store backend; ``new_store()`` gives each "worker" its own store object (its own
    Redis client or engine) over the same data."""

    def __init__(self, kind: str, tmp_path):
        self.kind = kind
        self.closers = []
        if kind == "redis":
            if not REDIS_URL.startswith("redis://"):
                pytest.skip("needs RATELIMIT_STORAGE_URI=redis://... (CI's PostgreSQL+Redis pass)")
            import redis

            probe = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
            try:
                probe.ping()
            except redis.RedisError as exc:
                probe.close()
                pytest.fail(f"Redis is set but not reachable at {REDIS_URL}: {exc}")
            self.prefix = f"test:wechat-token:{uuid.uuid4().hex}"

            def forget_keys():
                for key in probe.scan_iter(f"{self.prefix}*"):
                    probe.delete(key)
                probe.close()

            self.closers.append(forget_keys)
        else:
            if kind == "postgresql" and not POSTGRES_URL.startswith("postgres"):
                pytest.skip("needs DATABASE_URL=postgresql://... (CI's PostgreSQL+Redis pass)")
            url = f"sqlite:///{tmp_path}/tokens.db" if kind == "sqlite" else POSTGRES_URL
            engine = sa.create_engine(url)
            try:
                with engine.connect():
                    pass
            except sa.exc.OperationalError as exc:
                engine.dispose()
                pytest.fail(f"{kind} is set but not reachable: {exc}")
            metadata = sa.MetaData()
            self.table = define_token_table(
                metadata, f"wechat_access_tokens_t{uuid.uuid4().hex[:12]}"
            )
            metadata.create_all(engine)
            self.url = url
            self.closers.append(engine.dispose)
            self.closers.insert(0, lambda: metadata.drop_all(engine))

    def new_store(self):
        if self.kind == "redis":
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            self.closers.insert(0, client.close)
            return RedisTokenStore(client, self.prefix)
        engine = sa.create_engine(self.url)
        self.closers.insert(0, engine.dispose)
        return SqlTokenStore(engine, self.table)

    def close(self):
        for close in self.closers:
            close()


@pytest.fixture(params=["redis", "sqlite", "postgresql"])
def backend(request, tmp_path):
    backend = Backend(request.param, tmp_path)
    yield backend
    backend.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def managers(wechat_server, backend, clock):
    """``managers(n, **options)``: n workers, each with its own client and store object."""
    clients = []

    def make(n: int = 1, *, wrap=lambda store: store, **options):
        options = {"refresh_ahead": 300, "wait_timeout": 5.0, "clock": clock} | options
        made = []
        for _ in range(n):
            client = make_client(wechat_server)
            clients.append(client)
            made.append(AccessTokenManager(client, wrap(backend.new_store()), **options))
        return made

    yield make
    for client in clients:
        client.close()


def test_store_compare_and_delete_keeps_a_newer_token(backend):
    a, b = backend.new_store(), backend.new_store()
    later = datetime.now(UTC) + timedelta(hours=2)
    assert a.acquire_lock("wx1", "worker-a", 5)
    assert not b.acquire_lock("wx1", "worker-b", 5)
    assert not b.write("wx1", "T-b", later, owner="worker-b")  # not the lock holder
    assert a.write("wx1", "T1", later, owner="worker-a")
    assert a.release_lock("wx1", "worker-a")
    assert not a.release_lock("wx1", "worker-a")
    assert b.acquire_lock("wx1", "worker-b", 5)
    assert b.write("wx1", "T2", later, owner="worker-b")

    assert not a.delete_if("wx1", "T1")  # T1 is gone already: T2 stays
    stored = a.read("wx1")
    assert stored.token == "T2"
    assert abs((stored.expires_at - later).total_seconds()) < 0.01
    assert stored.expires_at.tzinfo is not None
    assert b.delete_if("wx1", "T2")
    assert a.read("wx1") is None


def test_expired_lease_is_taken_over_and_fences_the_old_holder(backend):
    a, b = backend.new_store(), backend.new_store()
    later = datetime.now(UTC) + timedelta(hours=2)
    assert a.acquire_lock("wx1", "slow-worker", 0.3)
    time.sleep(0.5)
    assert b.acquire_lock("wx1", "new-worker", 5)
    assert not a.write("wx1", "T-old", later, owner="slow-worker")
    assert not a.release_lock("wx1", "slow-worker")  # it cannot free the new holder's lock
    assert b.write("wx1", "T-new", later, owner="new-worker")
    assert a.read("wx1").token == "T-new"


def test_manager_fetches_once_and_shares_the_token(wechat_server, managers):
    first, second = managers(2)
    token = first.get()
    assert second.get() == token == wechat_server.current_token
    assert wechat_server.count("token") == 1


def test_manager_refreshes_ahead_of_expiry(wechat_server, managers, clock):
    [manager] = managers(1, refresh_ahead=300)
    token = manager.get()
    clock.advance(7200 - 301)
    assert manager.get() == token
    clock.advance(2)  # now 299 s before expiry: refresh
    fresh = manager.get()
    assert fresh != token
    assert fresh == wechat_server.current_token
    assert wechat_server.count("token") == 2
    assert manager.get() == fresh
    assert wechat_server.count("token") == 2


def test_other_workers_reuse_the_valid_token_while_one_refreshes(
    wechat_server, managers, clock, backend
):
    [manager] = managers(1)
    token = manager.get()
    clock.advance(7200 - 100)  # inside refresh-ahead, still valid
    assert backend.new_store().acquire_lock(DEFAULT_APPID, "busy-worker", 30)
    started = time.monotonic()
    assert manager.get() == token
    assert time.monotonic() - started < 0.5
    assert wechat_server.count("token") == 1


def test_waiting_for_a_refresh_gives_503_after_wait_timeout(wechat_server, managers, backend):
    [manager] = managers(1, wait_timeout=0.3)
    assert backend.new_store().acquire_lock(DEFAULT_APPID, "busy-worker", 30)
    started = time.monotonic()
    with pytest.raises(WeChatUnavailable) as caught:
        manager.get()
    assert 0.2 <= time.monotonic() - started < 2.0
    assert caught.value.status == 503
    assert wechat_server.count("token") == 0


def test_a_dead_holders_lock_is_taken_over_after_its_lease(wechat_server, managers, backend):
    [manager] = managers(1, wait_timeout=5.0)
    assert backend.new_store().acquire_lock(DEFAULT_APPID, "crashed-worker", 0.6)
    started = time.monotonic()
    token = manager.get()
    assert time.monotonic() - started >= 0.5
    assert token == wechat_server.current_token
    assert wechat_server.count("token") == 1


def test_fetch_failure_releases_the_lock(wechat_server, managers):
    [manager] = managers(1)
    wechat_server.fail("token", -1)
    with pytest.raises(WeChatBusy):
        manager.get()
    assert manager.get() == wechat_server.current_token
    assert wechat_server.count("token") == 2


def test_workers_fetch_one_token_between_them(wechat_server, managers, clock):
    workers = managers(2)
    wechat_server.delay("token", 0.3, times=2)  # keep each fetch in flight a while

    def run_all() -> set[str]:
        threads = 8
        barrier = threading.Barrier(threads)

        def work(i: int) -> str:
            barrier.wait()
            return workers[i % 2].get()

        with ThreadPoolExecutor(threads) as pool:
            return set(pool.map(work, range(threads)))

    assert run_all() == {wechat_server.current_token}  # no token yet
    assert wechat_server.count("token") == 1
    clock.advance(7200 + 1)  # the token has expired: every worker must wait for the new one
    assert run_all() == {wechat_server.current_token}
    assert wechat_server.count("token") == 2


class SlowToLock:
    """A store whose worker reaches for the lock late (a slow machine, a GC pause)."""

    def __init__(self, store, pause: float):
        self.store, self.pause = store, pause

    def acquire_lock(self, *args):
        time.sleep(self.pause)
        return self.store.acquire_lock(*args)

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_a_late_worker_does_not_refetch_a_token_just_refreshed(wechat_server, managers, clock):
    [fast] = managers(1)
    [slow] = managers(1, wrap=lambda store: SlowToLock(store, 0.5))
    old = fast.get()
    clock.advance(7200 + 1)
    wechat_server.delay("token", 0.2)
    with ThreadPoolExecutor(2) as pool:
        # the slow worker saw the old token; the lock is free again when it gets there
        results = {pool.submit(slow.get), pool.submit(fast.get)}
        tokens = {future.result() for future in results}
    assert tokens == {wechat_server.current_token}
    assert old not in tokens
    assert wechat_server.count("token") == 2


@pytest.mark.parametrize("errcode", [40001, 42001, 40014])
def test_call_retries_once_with_a_new_token(wechat_server, managers, subscriber, errcode):
    [manager] = managers(1)
    client = manager.client
    wechat_server.fail("subscribe", errcode)
    send = lambda token: client.send_subscribe_message(token, subscriber, TEMPLATE, DATA)  # noqa: E731

    assert isinstance(manager.call(send), int)
    first, second = wechat_server.calls("subscribe")
    assert first.query["access_token"] != second.query["access_token"]
    assert second.query["access_token"] == wechat_server.current_token
    assert wechat_server.count("token") == 2


def test_call_recovers_when_the_token_was_replaced_or_expired(wechat_server, managers, subscriber):
    [manager] = managers(1)
    client = manager.client
    wechat_server.grant_subscription(subscriber, TEMPLATE, times=1)
    send = lambda token: client.send_subscribe_message(token, subscriber, TEMPLATE, DATA)  # noqa: E731
    manager.get()
    wechat_server.issue_token()  # someone else fetched a token: ours is invalid (40001)
    manager.call(send)
    wechat_server.expire_tokens()  # 42001
    manager.call(send)
    assert wechat_server.count("token") == 3
    assert len(wechat_server.sent_messages) == 2


def test_call_gives_up_after_a_second_token_failure(wechat_server, managers, subscriber):
    [manager] = managers(1)
    client = manager.client
    wechat_server.fail("subscribe", 40001, times=2)
    send = lambda token: client.send_subscribe_message(token, subscriber, TEMPLATE, DATA)  # noqa: E731

    with pytest.raises(TokenInvalid) as caught:
        manager.call(send)

    assert caught.value.status == 503
    assert caught.value.retry_after == 5
    assert wechat_server.count("subscribe") == 2
    assert wechat_server.count("token") == 2
    assert manager.store.read(DEFAULT_APPID) is None  # the refused token is forgotten
    assert wechat_server.subscriptions_left(subscriber, TEMPLATE) == 1


def test_call_does_not_retry_other_errors(wechat_server, managers, subscriber):
    [manager] = managers(1)
    client = manager.client
    wechat_server.fail("subscribe", 43101)
    send = lambda token: client.send_subscribe_message(token, subscriber, TEMPLATE, DATA)  # noqa: E731
    with pytest.raises(Refused):
        manager.call(send)
    assert wechat_server.count("subscribe") == 1
    assert wechat_server.count("token") == 1


def test_fake_server_stops_cleanly_with_a_hanging_request():
    server = FakeWeChatServer().start()
    server.hang("token", times=5)
    client = make_client(server, read_timeout=5.0)
    errors = []
    thread = threading.Thread(target=lambda: errors.append(_expect_unavailable(client)))
    thread.start()
    deadline = time.monotonic() + 2
    while server.count("token") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    thread.join(5)
    client.close()
    assert time.monotonic() - started < 3
    assert not thread.is_alive()
    assert errors == [True]


def _expect_unavailable(client: WeChatClient) -> bool:
    try:
        client.fetch_access_token()
    except WeChatUnavailable:
        return True
    return False


def test_a_token_store_whose_redis_is_down_answers_503_not_500(wechat_server):
    redis = pytest.importorskip("redis")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.05)
    client = WeChatClient(wechat_server.base_url, DEFAULT_APPID, DEFAULT_SECRET)
    manager = AccessTokenManager(client, RedisTokenStore(dead))
    with pytest.raises(WeChatUnavailable) as caught:
        manager.get()
    assert caught.value.status == 503
    assert caught.value.reason == "token_store"
    assert "微信" in caught.value.message
    client.close()
