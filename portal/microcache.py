"""A WSGI micro-cache in front of the app for the portal's public, cacheable responses.

Published editions are the most read and the least changing thing the service has. Flask's
own per-request work (context, session, hooks) costs more than serving the cached page, so
responses the portal marks ``Cache-Control: public`` are replayed here for
``PORTAL_CACHE_SECONDS``, as a caching proxy would do: same status, same headers (the
security headers included), same bytes; ``If-None-Match`` is answered with 304. Only GETs
under ``/reports/`` without a query string, without cookies or credentials, are considered;
previews (``no-store``) and errors never are. A hit is not logged by the app, as a proxy hit
would not be.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

PREFIX = "/reports/"
SKIPPED_HEADERS = {"x-request-id", "date"}


@dataclass(frozen=True)
class Entry:
    expires: float
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None


class PortalMicroCache:
    def __init__(self, app, ttl: float, max_entries: int = 256, max_bytes: int = 2_000_000):
        self.app = app
        self.ttl = ttl
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __call__(self, environ, start_response):
        key = self._key(environ)
        if key is None or self.ttl <= 0:
            return self.app(environ, start_response)
        entry = self._entries.get(key)
        if entry is not None and entry.expires > time.monotonic():
            return self._replay(entry, environ, start_response)
        return self._fill(key, environ, start_response)

    @staticmethod
    def _key(environ) -> tuple | None:
        path = environ.get("PATH_INFO", "")
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or not path.startswith(PREFIX)
            or path.startswith(PREFIX + "preview/")
            or environ.get("QUERY_STRING")
            or environ.get("HTTP_COOKIE")
            or environ.get("HTTP_AUTHORIZATION")
        ):
            return None
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), path)

    @staticmethod
    def _replay(entry: Entry, environ, start_response):
        if entry.etag and environ.get("HTTP_IF_NONE_MATCH") == entry.etag:
            headers = [(k, v) for k, v in entry.headers if k.lower() != "content-length"]
            start_response("304 NOT MODIFIED", headers)
            return [b""]
        start_response(entry.status, entry.headers)
        return [entry.body]

    def _fill(self, key, environ, start_response):
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        headers = dict((k.lower(), v) for k, v in captured.get("headers", []))
        cacheable = (
            captured.get("status", "").startswith("200")
            and headers.get("cache-control", "").startswith("public")
            and "set-cookie" not in headers
        )
        if not cacheable:
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if len(body) <= self.max_bytes:
            entry = Entry(
                expires=time.monotonic() + self.ttl,
                status=captured["status"],
                headers=[
                    (k, v) for k, v in captured["headers"] if k.lower() not in SKIPPED_HEADERS
                ],
                body=body,
                etag=headers.get("etag"),
            )
            with self._lock:
                self._entries[key] = entry
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return [body]
