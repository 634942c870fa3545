"""Every attack and bad input an attacker tried, on every front door, answered with a
clear 4xx (or 503 when a service is down) — never a 500 — and the login limits.

These replay the findings of the attack test in production mode (the issue "Every attack
and bad input answered"); each would have failed on the code before the fix."""

from __future__ import annotations

import io

import pytest

from tests.conftest import PASSWORD

DEEP = "[" * 500 + "]" * 500
VERY_DEEP = "[" * 100_000 + "]" * 100_000
JSON_DOORS = ("/api/v1/lookup", "/staff/api/v1/auth/login", "/api/v1/auth/sms-code")


def _is_clear_json_error(resp, status: int) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)[:200]
    body = resp.get_json()
    message = body["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    return body["error"]


@pytest.mark.parametrize("path", JSON_DOORS)
@pytest.mark.parametrize("body", [DEEP, VERY_DEEP], ids=["500-deep", "100000-deep"])
def test_nested_json_is_refused_before_it_is_parsed(client, path, body):
    resp = client.post(path, data=body, content_type="application/json")
    assert _is_clear_json_error(resp, 400)["code"] == "json_too_deep"


def test_shallow_json_still_works(client, world):
    nested = {"username": "agent", "password": PASSWORD}
    assert client.post("/staff/api/v1/auth/login", json=nested).status_code == 200


@pytest.mark.parametrize("path", JSON_DOORS)
def test_an_oversized_body_is_refused_unread(client, path):
    big = b'{"order_no": "' + b"1" * (2 * 1024 * 1024) + b'"}'
    resp = client.post(path, data=big, content_type="application/json")
    assert _is_clear_json_error(resp, 413)["code"] == "request_entity_too_large"


def test_an_oversized_body_without_a_length_is_refused_too(client):
    body = b'{"order_no": "' + b"1" * (2 * 1024 * 1024) + b'"}'
    resp = client.post(
        "/api/v1/lookup",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert _is_clear_json_error(resp, 413)["code"] == "request_entity_too_large"


def test_an_oversized_form_gets_a_chinese_page(client):
    resp = client.post("/privacy/console/login", data={"username": "x" * (2 * 1024 * 1024)})
    assert resp.status_code == 413
    assert "请求内容过大" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/reports/2026/v99999999999999999999",
        "/reports/2026/v2147483648",
        "/reports/2026/v99999999999999999999/data.json",
    ],
)
def test_out_of_range_numbers_in_public_paths_are_not_found(client, path):
    resp = client.get(path)
    assert resp.status_code == 404
    assert "找不到" in resp.get_data(as_text=True) or "不存在" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/staff/api/v1/reports/editions/9223372036854775808"),
        ("patch", "/staff/api/v1/reports/topics/9223372036854775808"),
        ("delete", "/staff/api/v1/reports/editions/99999999999999999999"),
    ],
)
def test_out_of_range_ids_in_the_staff_api_are_not_found(client, staff_headers, method, path):
    resp = getattr(client, method)(path, headers=staff_headers("publisher"), json={})
    assert _is_clear_json_error(resp, 404)


@pytest.mark.parametrize(
    "query",
    [
        "received_from=0001-01-01T00:00:00",
        "received_to=9999-12-31T23:59:59",
        "received_from=not-a-date",
        "page=99999999999999999999",
        "per_page=-1",
        "district_code=" + "9" * 40,
    ],
)
def test_out_of_range_filters_of_the_work_list_are_invalid(client, staff_headers, query):
    resp = client.get(f"/staff/api/v1/orders?{query}", headers=staff_headers("agent"))
    assert _is_clear_json_error(resp, 422)


def test_an_unknown_unit_kind_is_invalid(client, staff_headers):
    resp = client.get("/staff/api/v1/units?kind=spaceship", headers=staff_headers("agent"))
    assert _is_clear_json_error(resp, 422)


@pytest.mark.parametrize("path", JSON_DOORS)
def test_wrong_content_types_are_refused(client, path):
    resp = client.post(path, data="order_no=1", content_type="text/plain")
    assert _is_clear_json_error(resp, 415)["code"] == "unsupported_media_type"


def test_unknown_pages_answer_in_chinese(client):
    for path in ("/reports/2025", "/m/x", "/privacy/console/nowhere", "/nowhere"):
        resp = client.get(path)
        assert resp.status_code in (302, 404), path
        if resp.status_code == 404:
            page = resp.get_data(as_text=True)
            assert "Not Found" not in page, path
            assert "不存在" in page or "找不到" in page, path


# -- staff login -----------------------------------------------------------------------------
def _login(client, username="agent", password="wrong-password", addr="198.51.100.1"):
    return client.post(
        "/staff/api/v1/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_repeated_wrong_passwords_lock_the_account_for_that_address(client, world):
    statuses = [_login(client).status_code for _ in range(8)]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [423] * 3
    locked = _login(client, password=PASSWORD)
    assert locked.status_code == 423
    assert "锁定" in locked.get_json()["error"]["message"]
    # The same username from the office still logs in: a known name locks out nobody.
    assert _login(client, password=PASSWORD, addr="203.0.113.7").status_code == 200


def test_guessing_from_many_addresses_locks_the_username_everywhere(make_app, world):
    app = make_app(STAFF_LOGIN_MAX_FAILURES_TOTAL=6)
    client = app.test_client()
    for i in range(6):
        assert _login(client, addr=f"192.0.2.{i}").status_code == 401
    assert _login(client, password=PASSWORD, addr="203.0.113.7").status_code == 423


def test_login_is_rate_limited_per_address_and_per_username(make_app, world):
    app = make_app(STAFF_RATE_LIMITS={"login_client": "3/minute", "login_user": "4/minute"})
    client = app.test_client()
    assert [_login(client, username=f"nobody{i}").status_code for i in range(3)] == [401] * 3
    limited = _login(client, username="nobody9")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    # Failed attempts per username, whatever the address…
    other = [_login(client, username="dispatcher", addr=f"192.0.2.{i}") for i in range(5)]
    assert [r.status_code for r in other] == [401, 401, 401, 401, 429]
    # …while the owner logging in right uses none of it up.
    owner = [
        _login(client, username="supervisor", password=PASSWORD, addr=f"203.0.113.{i}")
        for i in range(6)
    ]
    assert [r.status_code for r in owner] == [200] * 6


def test_unknown_users_cost_the_same_password_hash(client, world, monkeypatch):
    from hotline.services import staff

    calls = []
    real = staff.check_password_hash
    monkeypatch.setattr(
        staff, "check_password_hash", lambda h, p: calls.append(h.split("$")[0]) or real(h, p)
    )
    _login(client, username="agent")
    _login(client, username="no-such-user")
    assert len(calls) == 2
    assert calls[0] == calls[1]  # the same method and cost
