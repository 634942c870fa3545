"""Fixtures of the citizen API tests: an app with a capturing SMS sender and limits high
enough not to get in the way (tests of the limits lower them), and fresh limit counters
for every app."""

from __future__ import annotations

import secrets
import time

import pytest
from flask import request, request_finished

from hotline.config import DEFAULT_CITIZEN_LIMITS as DEFAULT_LIMITS
from hotline.extensions import limiter
from miniapp_api.openapi import build_spec, openapi_path
from tests.miniapp_api import helpers

HIGH = "10000/minute"
ALL_HIGH = dict.fromkeys(DEFAULT_LIMITS, HIGH)
# The OpenAPI document, built once per run: the routes and their documented statuses.
_SPEC: dict = {}
# Limit keys of this run live under their own prefix, so that resetting them between tests
# (a Redis SCAN + DEL of that prefix) never touches anyone else's counters.
STORAGE_PREFIX = f"LIMITS-test-{secrets.token_hex(4)}"


def _observer(seen: set):
    def observe(sender, response, **extra):
        rule = request.url_rule.rule if request.url_rule else None
        if rule and rule.startswith("/api/v1"):
            seen.add((rule, request.method, response.status_code))

    return observe


@pytest.fixture
def make_citizen_app(make_app):
    """An app for the citizen API with fresh limit counters; overrides go to its config.

    Every API response a test sees is checked when the test ends: the OpenAPI document must
    describe that status for that route (so the document never lags behind the API)."""
    seen: set[tuple[str, str, int]] = set()
    apps = []

    def factory(limits: dict | None = None, **overrides):
        config = {
            "SMS_SENDER": "tests.miniapp_api.helpers:CapturingSender",
            "CITIZEN_RATE_LIMITS": {**ALL_HIGH, **(limits or {})},
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": STORAGE_PREFIX},
            **overrides,
        }
        app = make_app(**config)
        observer = _observer(seen)
        request_finished.connect(observer, app, weak=False)
        apps.append(app)
        with app.app_context():
            _reset_limits()
        return app

    yield factory
    if seen and apps:
        if not _SPEC:
            _SPEC.update(build_spec(apps[0]))
        missing = sorted(
            (rule, method, status)
            for rule, method, status in seen
            if str(status) not in _SPEC["paths"][openapi_path(rule)][method.lower()]["responses"]
        )
        assert not missing, f"responses given but not documented: {missing}"


def _reset_limits(tries: int = 5) -> None:
    """Empty the limits; Redis calls time out after 50 ms, so a busy machine may need
    another try."""
    for attempt in range(tries):
        try:
            limiter.reset()
            return
        except Exception as exc:  # redis.TimeoutError and its kin
            if type(exc).__module__.split(".")[0] != "redis" or attempt == tries - 1:
                raise
            time.sleep(0.2)


@pytest.fixture
def app(make_citizen_app):
    app = make_citizen_app()
    with app.app_context():
        yield app


@pytest.fixture(autouse=True)
def _empty_outbox():
    helpers.OUTBOX.clear()
    yield
    helpers.OUTBOX.clear()


@pytest.fixture
def citizen(client):
    """Log a phone in through the API; returns its Authorization header."""
    cache: dict[str, dict] = {}

    def headers(phone: str = helpers.PHONE) -> dict:
        if phone not in cache:
            cache[phone] = helpers.login(client, phone)
        return cache[phone]

    return headers
