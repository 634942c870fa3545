"""Routes that answer with a chosen error, for tests of the error pages: one under each
front door's prefix (the pipeline picks the page by path), added to a test app only."""

from __future__ import annotations

from flask import Flask, abort
from sqlalchemy.exc import OperationalError

from hotline.errors import HTTP_MESSAGES, ApiError

# Where each front door's pages live, and a path there that exists for no one.
PREFIXES = {
    "console": "/privacy/console",
    "h5": "/m",
    "site": "",
    "portal": "/reports",
}
RETRY_AFTER = 30


class Busy(ApiError):
    """A refusal like a rate limit's: 429 with Retry-After."""

    status, code, retry_after = 429, "rate_limited", RETRY_AFTER

    def __init__(self):
        super().__init__(HTTP_MESSAGES[429])


def _fault(code: int):
    if code == 429:
        raise Busy
    if code == 500:
        raise RuntimeError("a bug, on purpose")
    if code == 503:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database down"))
    abort(code)


def install(app: Flask) -> None:
    """``<prefix>/_test_fault/<code>`` on every front door (before the app's first request)."""
    for door, prefix in PREFIXES.items():
        app.add_url_rule(
            f"{prefix}/_test_fault/<int:code>", f"test_fault_{door}", _fault, methods=["GET"]
        )


def url(door: str, code: int) -> str:
    return f"{PREFIXES[door]}/_test_fault/{code}"
