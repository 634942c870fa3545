"""Fixtures of the console tests: an enrolled officer, a logged-in client, known orders."""

from __future__ import annotations

import re
import time

import pytest

from hotline.extensions import db
from hotline.models.enums import Channel, OrderKind
from hotline.services.actors import Actor
from hotline.services.intake import Requester, receive
from hotline.services.privacy_office import officers as auth
from tests.conftest import PASSWORD
from tests.privacy.conftest import CONTENT, PERSON

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def totp_now(secret: str) -> str:
    return auth.totp_code(secret, time.time())


@pytest.fixture
def enroll(world):
    """``enroll("privacy")`` -> the user's new base32 TOTP secret."""

    def factory(username: str = "privacy") -> str:
        secret, _ = auth.enroll(world.users[username])
        db.session.commit()
        return secret

    return factory


@pytest.fixture
def login_form(client):
    """POST the login form (fetching its CSRF token first); returns the response."""

    def post(
        username: str,
        code: str,
        password: str = PASSWORD,
        next_path: str = "",
        addr: str = "127.0.0.1",
    ):
        page = client.get("/privacy/console/login")
        url = "/privacy/console/login" + (f"?next={next_path}" if next_path else "")
        return client.post(
            url,
            environ_base={"REMOTE_ADDR": addr},
            data={
                "csrf_token": csrf_of(page.get_data(as_text=True)),
                "username": username,
                "password": password,
                "totp": code,
            },
        )

    return post


@pytest.fixture
def officer(client, enroll, login_form):
    """The client, logged in as the privacy officer; returns a CSRF-aware poster."""
    secret = enroll("privacy")
    resp = login_form("privacy", totp_now(secret))
    assert resp.status_code == 302, resp.get_data(as_text=True)

    def post(path: str, data: dict | None = None, **kw):
        page = client.get("/privacy/console/verify")
        token = csrf_of(page.get_data(as_text=True))
        return client.post(path, data={"csrf_token": token, **(data or {})}, **kw)

    return post


@pytest.fixture
def make_order(world):
    def factory(person=None, *, confidential=False):
        result = receive(
            Actor.of(world.users["agent"]),
            channel=Channel.PHONE,
            kind=OrderKind.COMPLAINT,
            district=world.districts["chaoyang"],
            street=world.streets["wangjing"],
            content=CONTENT,
            requester=Requester(**{**PERSON, **(person or {})}),
            confidential=confidential,
        )
        db.session.commit()
        return result.order

    return factory
