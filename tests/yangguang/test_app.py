"""The application shell: configuration, security headers, error shape, production guards."""

from __future__ import annotations

import os

import pytest

from hotline.config import load
from privacy.keyring import KeyRing, KeyRingError
from yangguang import create_app


def test_security_headers_on_every_response(client):
    resp = client.get("/staff/api/v1/nowhere")
    assert resp.status_code == 404
    assert resp.get_json() == {
        "error": {"code": "not_found", "message": "资源不存在", "details": {}}
    }
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert len(resp.headers["X-Request-Id"]) == 16


def test_database_url_forms(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/hotline")
    assert load(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u@db:5432/hotline"
    )
    monkeypatch.delenv("DATABASE_URL")
    assert load(str(tmp_path))["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_production_refuses_development_keys_and_missing_secrets(tmp_path, base_config):
    prod = {**base_config, "HOTLINE_ENV": "production", "INSTANCE_PATH": str(tmp_path)}
    del prod["PRIVACY_KEYRING"]
    with pytest.raises(KeyRingError, match="needs keys"):
        create_app(prod)
    dev_ring = KeyRing.generate(development=True)
    dev_ring.save_file(tmp_path / "keys.json")
    with pytest.raises(KeyRingError, match="refuses development keys"):
        create_app({**prod, "HOTLINE_KEY_FILE": str(tmp_path / "keys.json")})
    KeyRing.generate(development=False).save_file(tmp_path / "prod.json")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({**prod, "SECRET_KEY": None, "HOTLINE_KEY_FILE": str(tmp_path / "prod.json")})
    app = create_app({**prod, "HOTLINE_KEY_FILE": str(tmp_path / "prod.json")})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_development_generates_keys_into_instance(tmp_path, base_config):
    config = {**base_config, "HOTLINE_ENV": "development", "INSTANCE_PATH": str(tmp_path)}
    del config["PRIVACY_KEYRING"]
    create_app(config)
    ring = KeyRing.load_file(tmp_path / "dev-keys.json")
    assert ring.development
    assert oct(os.stat(tmp_path / "dev-keys.json").st_mode & 0o777) == "0o600"
    # The second start reuses them rather than locking the data away under new keys.
    create_app(config)
    assert KeyRing.load_file(tmp_path / "dev-keys.json").primary.secret == ring.primary.secret


def test_rate_limit_storage_is_reachable(app):
    """With Redis configured (CI), a dead Redis fails here instead of being skipped."""
    from hotline.extensions import limiter

    assert limiter.storage.check()


def test_root_leads_to_the_public_reports(client):
    resp = client.get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/reports/"


def test_a_wrong_method_is_a_json_405_that_names_the_allowed_ones(client):
    for path, allowed in (
        ("/api/v1/me", {"GET", "HEAD", "OPTIONS"}),
        ("/staff/api/v1/orders", None),
    ):
        resp = client.delete(path)
        assert resp.status_code == 405
        assert resp.get_json()["error"]["message"] == "不支持该请求方法"
        methods = {m.strip() for m in resp.headers["Allow"].split(",")}
        assert "DELETE" not in methods
        if allowed:
            assert methods == allowed


def test_nul_characters_and_lone_surrogates_are_bad_input_not_server_errors(client):
    """PostgreSQL cannot store NUL in text; without the guard these reached a query."""
    resp = client.get("/api/v1/places/communities?parent=G%00t")
    assert resp.status_code == 422
    assert resp.get_json()["error"] == {
        "code": "invalid",
        "message": "请求中含有无法识别的字符",
        "details": {"field": "parent"},
    }
    for body in ('{"phone": "1380013\\u00008000"}', '{"phone": "\\ud800"}'):
        resp = client.post("/api/v1/auth/sms-code", data=body, content_type="application/json")
        assert resp.status_code == 422, body
        assert resp.get_json()["error"]["details"] == {"field": "body"}
    resp = client.post("/staff/api/v1/auth/login", json={"username": "agent\x00", "password": "x"})
    assert resp.status_code == 422
    assert client.get("/api/v1/orders/2026%0001").status_code == 404
    page = client.get("/reports/?year=%00")
    assert page.status_code == 400
    assert "请求中含有无法识别的字符" in page.get_data(as_text=True)


def test_form_posts_with_nul_characters_are_refused_too(client):
    resp = client.post("/privacy/console/login", data={"username": "privacy\x00"})
    assert resp.status_code == 400
    assert "请求中含有无法识别的字符" in resp.get_data(as_text=True)
