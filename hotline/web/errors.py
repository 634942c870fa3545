"""Every exception, mapped once: the JSON error shape on the APIs
(``{"error": {"code", "message", "details"}}``), a Chinese error page everywhere else.

A database that is down or restarting answers 503 with ``Retry-After``; nothing a request
can send produces a traceback for the caller.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_limiter import RateLimitExceeded
from jinja2 import TemplateNotFound
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from hotline.errors import HTTP_MESSAGES, ApiError
from hotline.extensions import limiter
from hotline.models.reports import PublishedEditionImmutable
from hotline.web.security import is_api_request
from privacy.accesslog import AccessLogError
from privacy.matrix import PlaintextRefused

log = logging.getLogger("hotline.errors")

DB_RETRY_AFTER = 5
DB_DOWN_MESSAGE = "服务暂时不可用，请稍后再试"
# The page layout used for an error, by path: each front door's own look.
_PAGE_TEMPLATES = (
    ("/privacy/console", "console/error.html"),
    ("/reports", "portal/error.html"),
    ("/open311", "portal/error.html"),
    ("/m", "m/error.html"),
)


def error_body(status: int, code: str, message: str, details: dict | None = None):
    return jsonify({"error": {"code": code, "message": message, "details": details or {}}}), status


def error_page(status: int, message: str, retry_after: str | None = None):
    template = next(
        (name for prefix, name in _PAGE_TEMPLATES if request.path.startswith(prefix)),
        "error.html",
    )
    context = {"code": status, "message": message, "retry_after": retry_after}
    try:
        body = render_template(template, **context)
    except TemplateNotFound:
        body = render_template("error.html", **context)
    return body, status


def register_format(app: Flask, prefix: str, render) -> None:
    """Let a front door answer errors under ``prefix`` in a shape of its own (Open311's error
    list): ``render(status, code, message, details)`` returns a response."""
    app.extensions.setdefault("error_formats", []).append((prefix, render))


def _own_format(status: int, code: str, message: str, details: dict | None):
    for prefix, render in current_app.extensions.get("error_formats", ()):
        if request.path.startswith(prefix):
            return render(status, code, message, details or {})
    return None


def answer(status: int, code: str, message: str, details: dict | None = None, headers=None):
    """The error in the caller's language: JSON on the APIs, a page otherwise."""
    if (own := _own_format(status, code, message, details)) is not None:
        response = own
    elif is_api_request():
        response = error_body(status, code, message, details)[0]
    else:
        response = make_response(*error_page(status, message, (headers or {}).get("Retry-After")))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def retry_after() -> int:
    """Seconds until the limit that refused this request lets it through again."""
    current = limiter.current_limit
    if current is None:
        return 60
    try:
        return max(1, int(current.reset_at - time.time()))
    except Exception:  # noqa: BLE001  (storage gone while answering: a safe guess)
        return 60


def is_database_down(exc: BaseException) -> bool:
    """A lost or refused connection (not a bad statement)."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


# Two writes of one thing at the same moment, where no lock kept them apart (SQLite has no
# row locks): two steps on one order give their events the same sequence number, two
# publications of a report the same version, or the second one changes an edition the
# first has just frozen; the database refuses the second. Nothing of it was written: the
# caller may look again and retry.
CONCURRENT_KEYS = {
    "uq_order_events_order_id": "该工单刚刚被其他操作更新，请刷新后重试",
    "uq_report_editions_report_id": "该报告刚刚被其他操作更新，请刷新后重试",
}
_SQLITE_MESSAGES = {
    "order_events.order_id, order_events.seq": "uq_order_events_order_id",
    "report_editions.report_id, report_editions.version": "uq_report_editions_report_id",
    "published report editions are immutable": "uq_report_editions_report_id",
}


def concurrent_write(exc: BaseException) -> str | None:
    """The message for a write refused because another one got there first, else None."""
    if isinstance(exc, PublishedEditionImmutable):  # the first one published it meanwhile
        return CONCURRENT_KEYS["uq_report_editions_report_id"]
    if not isinstance(exc, IntegrityError):
        return None
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if constraint is None:  # SQLite names no constraint: its message does
        text = str(exc.orig)
        constraint = next((c for m, c in _SQLITE_MESSAGES.items() if m in text), None)
    return CONCURRENT_KEYS.get(constraint) if constraint else None


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        headers = {}
        if getattr(exc, "retry_after", None):
            headers["Retry-After"] = str(exc.retry_after)
        return answer(exc.status, exc.code, exc.message, exc.details, headers)

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        if (own := _own_format(400, "invalid", "请求参数有误", {"fields": messages})) is not None:
            return own
        if is_api_request():
            return error_body(422, "invalid", "提交的内容有误，请检查后重试", {"fields": messages})
        return answer(400, "invalid", "提交的内容有误，请检查后重试")

    @app.errorhandler(PlaintextRefused)
    def _refused(exc: PlaintextRefused):
        return answer(403, exc.code, exc.message, {"fields": list(exc.fields)})

    @app.errorhandler(AccessLogError)
    def _log_failed(exc: AccessLogError):
        app.logger.error("access log write failed; plaintext withheld: %s", exc)
        return answer(503, "access_log_unavailable", exc.message)

    @app.errorhandler(RateLimitExceeded)
    def _limited(exc: RateLimitExceeded):
        seconds = retry_after()
        return answer(
            429,
            "rate_limited",
            HTTP_MESSAGES[429],
            {"retry_after": seconds},
            {"Retry-After": str(seconds)},
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        original = getattr(exc, "original_exception", None)
        if original is not None:
            # Raised outside the view (the commit after it): Flask hands it over as a 500.
            return _unexpected(original)
        status = exc.code or 500
        headers = {}
        if status == 405 and getattr(exc, "valid_methods", None):  # RFC 9110: say what is
            headers["Allow"] = ", ".join(exc.valid_methods)
        code = (exc.name or "error").lower().replace(" ", "_")
        message = HTTP_MESSAGES.get(status, "请求无法处理")
        if status == 400 and exc.description and not is_api_request():
            message = exc.description if _is_chinese(exc.description) else message
        return answer(status, code, message, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if is_database_down(exc):
            log.warning("database unavailable: %s", exc.__class__.__name__)
            return answer(
                503,
                "database_unavailable",
                DB_DOWN_MESSAGE,
                headers={"Retry-After": str(DB_RETRY_AFTER)},
            )
        if (message := concurrent_write(exc)) is not None:
            log.info("two writes of one thing at once: the second is refused")
            return answer(409, "concurrent_update", message)
        app.logger.exception("unhandled error")
        return answer(500, "internal_error", HTTP_MESSAGES[500])


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
