"""Fixtures of the notification tests: an app wired to the local fake WeChat server, with
its own job queue file and a recording SMS sender."""

from __future__ import annotations

import pytest

from tests.fakes.wechat_server import wechat_server as _wechat_server  # noqa: F401  (fixture)
from tests.hotline.notifications import support


@pytest.fixture
def notify_app(make_app, wechat_server, tmp_path):
    def factory(**overrides):
        return make_app(**support.notify_config(wechat_server, tmp_path, **overrides))

    support.RecordingSender.reset()
    yield factory
    support.RecordingSender.reset()


@pytest.fixture
def app(notify_app):
    app = notify_app()
    with app.app_context():
        support.forget_tokens()
        yield app
