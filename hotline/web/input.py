"""Bounds on what a request may carry, checked before any view or query sees it.

- **Body size**: ``MAX_BODY_BYTES`` (1 MiB) for every request; a view that takes uploads
  declares its own limit with ``@accepts_body(bytes)``. A larger body is refused with 413
  before it is read, however it is sent (``Content-Length`` or chunked).
- **JSON depth**: a JSON body nested deeper than ``MAX_JSON_DEPTH`` (20) is refused with
  400 before it is parsed: the parser itself recurses, and ``'[' * 100000`` would exhaust
  the stack. The check scans the raw bytes without recursion.
- **Characters no database stores**: NUL and lone surrogates anywhere in the path, the
  query string, a form or a JSON body → 404 in the path, else 422 on the APIs and 400 on
  pages (PostgreSQL would refuse them deep inside a query).
- **Numbers in paths**: ``<int:…>`` route parts never exceed PostgreSQL's ``integer`` (a
  larger number names no resource: 404).
"""

from __future__ import annotations

import re
from itertools import accumulate

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter

from hotline.errors import ApiError, Invalid
from hotline.web.security import is_api_request

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "请求中含有无法识别的字符"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_PATH_INT = 2**31 - 1
# JSON strings (whose brackets do not nest), and the bracket bytes that do.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class TooDeep(ApiError):
    status, code = 400, "json_too_deep"


class BoundedInt(IntegerConverter):
    """``<int:…>`` that never hands a view a number no column can hold: such a number is
    passed on as 0, which names no row, so the view answers 404 like for any unknown id.
    (Refusing it in the converter would make werkzeug answer 405 when another method's
    route has the same path.)"""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_PATH_INT else 0


def accepts_body(max_bytes: int):
    """Let one view take a larger body than ``MAX_BODY_BYTES`` (uploads)."""

    def decorator(view):
        view.max_body_bytes = max_bytes
        return view

    return decorator


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt
    app.before_request(bound_body)
    app.before_request(refuse_unstorable_text)


def bound_body() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    limit = getattr(view, "max_body_bytes", None) or current_app.config["MAX_BODY_BYTES"]
    if request.content_length is not None:
        request.max_content_length = limit
        if request.content_length > limit:
            abort(413)
    elif request.environ.get("wsgi.input_terminated"):
        # A body without a length (chunked): werkzeug stops reading at the limit without a
        # word, so read one byte more than allowed and refuse if it is there.
        request.max_content_length = limit + 1
        if len(request.get_data(cache=True)) > limit:
            abort(413)
    if request.is_json:
        depth = json_depth(request.get_data(cache=True))
        if depth > current_app.config["MAX_JSON_DEPTH"]:
            raise TooDeep(
                "请求体嵌套层级过深", details={"max_depth": current_app.config["MAX_JSON_DEPTH"]}
            )


def json_depth(body: bytes) -> int:
    """The deepest nesting of brackets in a JSON text, strings aside (no recursion)."""
    if not body:
        return 0
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(0, *accumulate(_DEPTH_STEP[b] for b in brackets))


def unstorable(value) -> bool:
    """Whether a decoded JSON value holds NUL or a lone surrogate anywhere (iteratively)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
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
            if UNSTORABLE.search(key) or UNSTORABLE.search(value)
        ),
        None,
    )
    if field is None and request.is_json and unstorable(request.get_json(silent=True)):
        field = "body"
    if field is None:
        return
    if is_api_request():
        raise Invalid(UNSTORABLE_MESSAGE, details={"field": field})
    abort(400, UNSTORABLE_MESSAGE)
