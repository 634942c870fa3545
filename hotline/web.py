"""Per-request plumbing: request ids, security headers, one JSON log line per request."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time

from flask import Flask, abort, g, redirect, request

from hotline.errors import Invalid

log = logging.getLogger("hotline.request")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    production = app.config["HOTLINE_ENV"] == "production"
    # Flask ships these keys with defaults, so set them unless configured otherwise.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True

    @app.get("/")
    def _root():
        # The public front door is the reports portal (citizens use /m/ or the mini-program).
        return redirect("/reports/", code=302)

    @app.before_request
    def _start():
        g.request_id = secrets.token_hex(8)
        g.started = time.perf_counter()

    app.before_request(refuse_unstorable_text)

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("X-Frame-Options", "DENY")
        if production:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith(("/api/", "/staff/api/")):
            h.setdefault("Cache-Control", "no-store")
        h["X-Request-Id"] = g.get("request_id", "")
        _log_request(response)
        return response


# NUL characters and unpaired surrogates: PostgreSQL refuses NUL in text and UTF-8 has no
# surrogates, so such a string would fail deep inside a query (a 500) instead of being
# answered as the bad input it is.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "请求中含有无法识别的字符"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _unstorable(value) -> bool:
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


def refuse_unstorable_text() -> None:
    """Answer a request carrying unstorable characters before any view sees it: 404 when in
    the path (no such resource), else 422 on the JSON APIs and 400 on pages."""
    if UNSTORABLE.search(request.path):
        abort(404)
    sources = []
    if request.query_string:
        sources.append(request.args)
    if request.mimetype in _FORM_TYPES:
        sources.append(request.form)
    field = next(
        (
            key
            for source in sources
            for key, value in source.items(multi=True)
            if _unstorable(key) or _unstorable(value)
        ),
        None,
    )
    if field is None and request.is_json and _unstorable(request.get_json(silent=True)):
        field = "body"
    if field is None:
        return
    if request.path.startswith(("/api/", "/staff/api/")):
        raise Invalid(UNSTORABLE_MESSAGE, details={"field": field})
    abort(400, UNSTORABLE_MESSAGE)


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
