"""Bounds on what a request may carry, checked before any view or query sees it."""

from __future__ import annotations

import re

from flask import Flask, abort, request

from hotline.errors import Invalid
from hotline.web.security import is_api_request

# NUL characters and unpaired surrogates: PostgreSQL refuses NUL in text and UTF-8 has no
# surrogates, so such a string would fail deep inside a query (a 500) instead of being
# answered as the bad input it is.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "请求中含有无法识别的字符"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def init_app(app: Flask) -> None:
    app.before_request(refuse_unstorable_text)


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
    if is_api_request():
        raise Invalid(UNSTORABLE_MESSAGE, details={"field": field})
    abort(400, UNSTORABLE_MESSAGE)
