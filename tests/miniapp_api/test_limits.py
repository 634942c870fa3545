"""Rate limits (DESIGN §6): every endpoint family answers 429 with Retry-After and a
Chinese message; keys are the client address, the phone's blind index and the order
number, never a plaintext phone; with Redis they hold across app instances, and when the
storage is down they go on per process instead of failing open."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.extensions import limiter
from privacy.blind_index import blind_index
from privacy.runtime import runtime
from tests.miniapp_api.conftest import ALL_HIGH, STORAGE_PREFIX
from tests.miniapp_api.helpers import API, OTHER_PHONE, PHONE, login, make_order

ROOT = Path(__file__).resolve().parents[2]
REDIS_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
ONE = "1/hour"


_ORDERS: dict[int, str] = {}


def _order_no(world) -> str:
    key = id(world)
    if key not in _ORDERS:
        _ORDERS[key] = make_order(world).order_no
    return _ORDERS[key]


def _submit_body(world):
    return {
        "kind": "help",
        "district_code": world.districts["chaoyang"].code,
        "street_code": world.streets["wangjing"].code,
        "content": f"小区门口积水严重，行人无法通过，请处理。编号{secrets.token_hex(3)}",
    }


FAMILIES = {
    "sms_client": ("post", "/auth/sms-code", lambda w: {"phone": PHONE}),
    "login_client": ("post", "/auth/token", lambda w: {"phone": PHONE, "code": "000000"}),
    "session_client": ("get", "/me", None),
    "lookup_client": ("post", "/lookup", lambda w: {"order_no": "1", "query_code": "00000000"}),
    "read_phone": ("get", "/orders/{no}", None),
    "rate_order": (
        "post",
        "/orders/{no}/rating",
        lambda w: {"resolution": "yes", "satisfaction": "satisfied"},
    ),
    "submit_phone": ("post", "/orders", _submit_body),
    "reference_client": ("get", "/places/districts", None),
    "docs_client": ("get", "/openapi.json", None),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_endpoint_family_answers_429_with_retry_after(make_citizen_app, world, name):
    method, path, body_fn = FAMILIES[name]
    app = make_citizen_app(limits={name: ONE})
    client = app.test_client()
    headers = login(client) if name not in ("sms_client", "login_client") else {}

    def call():
        url = API + path.format(no=_order_no(world)) if "{no}" in path else API + path
        kw = {"headers": headers}
        if body_fn is not None:
            kw["json"] = body_fn(world)
        return getattr(client, method)(url, **kw)

    first = call()
    assert first.status_code < 429, first.get_json()
    resp = call()
    assert resp.status_code == 429
    assert 3000 < int(resp.headers["Retry-After"]) <= 3600
    assert resp.get_json()["error"] == {
        "code": "rate_limited",
        "message": "请求过于频繁，请稍后再试",
        "details": {"retry_after": int(resp.headers["Retry-After"])},
    }


def test_the_h5_page_is_limited_too(make_citizen_app):
    client = make_citizen_app(limits={"page_client": ONE}).test_client()
    assert client.get("/m/").status_code == 200
    resp = client.get("/m/")
    assert resp.status_code == 429
    assert resp.mimetype == "text/html"
    assert "请求过于频繁，请稍后再试" in resp.get_data(as_text=True)
    assert int(resp.headers["Retry-After"]) > 0


def test_sms_codes_are_limited_per_phone_whatever_the_address(make_citizen_app):
    client = make_citizen_app(limits={"sms_phone": "2/hour"}).test_client()

    def send(phone, addr):
        return client.post(
            f"{API}/auth/sms-code", json={"phone": phone}, environ_base={"REMOTE_ADDR": addr}
        ).status_code

    assert send(PHONE, "192.0.2.1") == 200
    assert send("+86 138-1234-5678", "192.0.2.2") == 200  # the same phone, written otherwise
    assert send(PHONE, "192.0.2.3") == 429
    assert send(OTHER_PHONE, "192.0.2.3") == 200


def test_reads_are_limited_per_logged_in_phone(make_citizen_app):
    client = make_citizen_app(limits={"read_phone": "2/minute"}).test_client()
    mine, theirs = login(client), login(client, OTHER_PHONE)
    for addr in ("192.0.2.1", "192.0.2.2"):
        resp = client.get(f"{API}/orders", headers=mine, environ_base={"REMOTE_ADDR": addr})
        assert resp.status_code == 200
    resp = client.get(f"{API}/orders", headers=mine, environ_base={"REMOTE_ADDR": "192.0.2.3"})
    assert resp.status_code == 429
    assert client.get(f"{API}/orders", headers=theirs).status_code == 200


def test_reads_without_a_valid_token_are_limited_per_address(make_citizen_app):
    client = make_citizen_app(limits={"read_phone": "2/minute"}).test_client()
    forged = {"Authorization": "Bearer not-a-token"}

    def read(addr, headers):
        return client.get(f"{API}/orders", headers=headers, environ_base={"REMOTE_ADDR": addr})

    assert read("192.0.2.1", {}).status_code == 401
    assert read("192.0.2.1", forged).status_code == 401
    resp = read("192.0.2.1", forged)
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "rate_limited"
    assert read("192.0.2.2", forged).status_code == 401  # another address has its own count


def test_rating_is_limited_per_order_number(make_citizen_app, world):
    client = make_citizen_app(limits={"rate_order": "2/hour"}).test_client()
    headers = login(client)
    order_no = make_order(world).order_no
    body = {"resolution": "maybe"}
    for _ in range(2):
        r = client.post(f"{API}/orders/{order_no}/rating", json=body, headers=headers)
        assert r.status_code == 422
    r = client.post(f"{API}/orders/{order_no}/rating", json=body, headers=headers)
    assert r.status_code == 429
    r = client.post(f"{API}/orders/20990101000000/rating", json=body, headers=headers)
    assert r.status_code == 422


def _storage_keys() -> list[str]:
    storage = limiter.storage
    if hasattr(storage, "storage") and hasattr(storage.storage, "scan_iter"):
        return [k.decode() for k in storage.storage.scan_iter(f"{STORAGE_PREFIX}:*")]
    return list(storage.storage)


def test_limit_keys_hold_no_plaintext_phone(make_citizen_app, world):
    client = make_citizen_app(
        limits={"sms_phone": "50/hour", "read_phone": "50/hour"}
    ).test_client()
    headers = login(client)
    client.get(f"{API}/orders", headers=headers)
    client.post(f"{API}/auth/sms-code", json={"phone": OTHER_PHONE})
    keys = _storage_keys()
    assert keys, "the limiter stored nothing"
    bidx = blind_index(runtime().ring, "phone", PHONE)
    assert any(f"phone:{bidx}" in k for k in keys)
    for key in keys:
        for digits in (PHONE, OTHER_PHONE, PHONE[-8:], OTHER_PHONE[-8:]):
            assert digits not in key


def _probe(order_no: str, storage_uri: str, limits: dict, requests: int, app) -> list:
    env = dict(os.environ)
    env["PROBE"] = json.dumps(
        {
            "instance_path": app.instance_path,
            "database_url": app.config["SQLALCHEMY_DATABASE_URI"],
            "storage_uri": storage_uri,
            "storage_prefix": STORAGE_PREFIX,
            "key_prefix": app.config["RATELIMIT_KEY_PREFIX"],
            "limits": {**ALL_HIGH, **limits},
            "order_no": order_no,
            "client": "198.51.100.20",
            "requests": requests,
        }
    )
    out = subprocess.run(
        [sys.executable, "-m", "tests.miniapp_api.instance_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [status for status, _ in json.loads(out.stdout)]


@pytest.mark.skipif(
    not REDIS_URI.startswith("redis://"),
    reason="needs RATELIMIT_STORAGE_URI=redis://... (CI's PostgreSQL+Redis pass sets it)",
)
def test_limits_hold_across_two_instances_sharing_redis(make_citizen_app):
    limits = {"lookup_order": "5/hour"}
    app = make_citizen_app(limits=limits)
    client = app.test_client()
    order_no = f"2099{secrets.randbelow(10**10):010d}"

    def lookup(addr):
        body = {"order_no": order_no, "query_code": "00000000"}
        return client.post(f"{API}/lookup", json=body, environ_base={"REMOTE_ADDR": addr})

    assert [lookup(f"192.0.2.{i}").status_code for i in (1, 2)] == [404, 404]
    # A second instance, in its own process, sees the two hits and allows three more.
    assert _probe(order_no, REDIS_URI, limits, 4, app) == [404, 404, 404, 429]
    # And this instance sees the other one's hits.
    assert lookup("192.0.2.3").status_code == 429


def test_limits_go_on_in_memory_when_the_storage_is_down(make_citizen_app):
    app = make_citizen_app()
    closed = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    statuses = _probe("20990101000000", closed, {"lookup_order": "3/hour"}, 5, app)
    assert statuses == [404, 404, 404, 429, 429]
