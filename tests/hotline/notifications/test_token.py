"""WeChat's access token shared by every worker: two app instances (two workers, two
machines) fetch it once between them, and after WeChat voids it exactly one refreshes."""

from __future__ import annotations

import os
import secrets
import threading

import pytest

from hotline.services.citizen import wechat as citizen_wechat
from tests.hotline.notifications import support

REDIS = os.environ.get("RATELIMIT_STORAGE_URI", "")


def _two_apps(notify_app, **overrides):
    first, second = notify_app(**overrides), notify_app(**overrides)
    with first.app_context():
        support.forget_tokens()
    return first, second


def _token(app) -> str:
    with app.app_context():
        return citizen_wechat.api().tokens.get()


def _concurrently(apps, n: int = 8) -> list[str]:
    out, barrier = [], threading.Barrier(n)

    def run(app):
        barrier.wait()
        out.append(_token(app))

    threads = [threading.Thread(target=run, args=(apps[i % 2],)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


@pytest.mark.parametrize("store", ["database", "redis"])
def test_two_instances_share_one_token_and_refresh_it_once(notify_app, wechat_server, store):
    if store == "redis" and not REDIS.startswith("redis://"):
        pytest.skip("needs RATELIMIT_STORAGE_URI=redis://... (CI's PostgreSQL+Redis pass)")
    overrides = {"WECHAT_TOKEN_STORE": store}
    if store == "redis":
        overrides.update(RATELIMIT_STORAGE_URI=REDIS, RATELIMIT_KEY_PREFIX=secrets.token_hex(6))
    apps = _two_apps(notify_app, **overrides)

    tokens = _concurrently(apps)

    assert set(tokens) == {wechat_server.current_token}
    assert wechat_server.count("token") == 1

    # WeChat voids it (another program fetched one): the next call through either instance
    # gets 40001, forgets it, and exactly one of them fetches a new one for both.
    wechat_server.issue_token()
    for app in apps:
        with app.app_context():
            api = citizen_wechat.api()
            wechat_server.add_phone_code(f"p-{id(app)}", support.PHONE)
            info = api.tokens.call(
                lambda t, app=app, api=api: api.client.phone_number(t, f"p-{id(app)}")
            )
            assert info.pure_phone == support.PHONE
    assert wechat_server.count("token") == 2
    assert {_token(app) for app in apps} == {wechat_server.current_token}
