"""Request ids, security headers and one JSON log line per request."""

from __future__ import annotations

import json
import logging
import secrets
import time

from flask import Flask, g, request

log = logging.getLogger("hotline.request")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Paths answered with JSON (or XML): everything else is a page for people.
API_PREFIXES = ("/api/", "/staff/api/", "/open311/")


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIXES)


def init_app(app: Flask) -> None:
    production = app.config["HOTLINE_ENV"] == "production"
    # Flask ships these keys with defaults, so set them unless configured otherwise.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True

    @app.before_request
    def _start():
        g.request_id = secrets.token_hex(8)
        g.started = time.perf_counter()

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("X-Frame-Options", "DENY")
        if production:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        if is_api_request():
            h.setdefault("Cache-Control", "no-store")
        h["X-Request-Id"] = g.get("request_id", "")
        _log_request(response)
        return response


def _log_request(response) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    # url_rule, not the path: paths may carry order numbers; no query strings, no bodies.
    rule = request.url_rule.rule if request.url_rule else "<unmatched>"
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    log.info(
        json.dumps(
            {
                "request_id": g.get("request_id"),
                "method": request.method,
                "route": rule,
                "status": response.status_code,
                "ms": round(elapsed, 1),
            }
        )
    )
