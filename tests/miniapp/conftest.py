"""Fixtures of the citizen API tests: an app with a capturing SMS sender and limits high
enough not to get in the way (tests of the limits lower them), and fresh limit counters
for every app."""

from __future__ import annotations

import secrets

import pytest
from flask import request, request_finished

from hotline.config import DEFAULT_CITIZEN_LIMITS as DEFAULT_LIMITS
from hotline.extensions import limiter
from tests.miniapp import helpers

HIGH = "10000/minute"
ALL_HIGH = dict.fromkeys(DEFAULT_LIMITS, HIGH)
# (rule, method, status) of every API response seen by these tests; test_zz_documented
# checks that the OpenAPI document describes each one.
OBSERVED: set[tuple[str, str, int]] = set()
# Limit keys of this run live under their own prefix, so that resetting them between tests
# (a Redis SCAN + DEL of that prefix) never touches anyone else's counters.
STORAGE_PREFIX = f"LIMITS-test-{secrets.token_hex(4)}"


def _observe(sender, response, **extra):
    rule = request.url_rule.rule if request.url_rule else None
    if rule and rule.startswith("/api/v1"):
        OBSERVED.add((rule, request.method, response.status_code))


@pytest.fixture
def make_citizen_app(make_app):
    """An app for the citizen API with fresh limit counters; overrides go to its config."""

    def factory(limits: dict | None = None, **overrides):
        config = {
            "SMS_SENDER": "tests.miniapp.helpers:CapturingSender",
            "CITIZEN_RATE_LIMITS": {**ALL_HIGH, **(limits or {})},
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": STORAGE_PREFIX},
            **overrides,
        }
        app = make_app(**config)
        request_finished.connect(_observe, app)
        with app.app_context():
            limiter.reset()
        return app

    return factory


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
