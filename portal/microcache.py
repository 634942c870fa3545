"""A WSGI micro-cache in front of the app for the portal's public, cacheable responses.

Published editions are the most read and the least changing thing the service has. Flask's
own per-request work (context, session, hooks) costs more than serving the cached page, so
responses the portal marks ``Cache-Control: public`` are replayed here for
``PORTAL_CACHE_SECONDS``, as a caching proxy would do: same status, same headers (the
security headers included), same bytes; ``If-None-Match`` is answered with 304. Only GETs
under ``/reports/`` without a query string, without cookies or credentials, are considered;
previews (``no-store``) and errors never are. A hit is not logged by the app, as a proxy hit
would not be. Like every portal cache it is dropped when the shared version ``portal``
changes (``hotline.cache``); the version is read, in an app context of its own, at most
every ``CACHE_VERSION_CHECK_SECONDS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.cache import LocalCache, SharedVersion

PREFIX = "/reports/"
SKIPPED_HEADERS = {"x-request-id", "date"}


@dataclass(frozen=True)
class Entry:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None


class PortalMicroCache:
    def __init__(
        self,
        app,
        *,
        flask_app,
        ttl: float,
        version: SharedVersion,
        interval: float,
        max_entries: int = 256,
        max_bytes: int = 2_000_000,
    ):
        self.app = app
        self.flask_app = flask_app
        self.ttl = ttl
        self.version = version
        self.interval = interval
        self.max_bytes = max_bytes
        self.entries = LocalCache("portal.micro", size=max_entries, ttl=ttl, version=version)

    def clear(self) -> None:
        self.entries.clear()

    def __call__(self, environ, start_response):
        key = self._key(environ)
        if key is None or self.ttl <= 0:
            return self.app(environ, start_response)
        if self.version.due(self.interval):
            try:
                with self.flask_app.app_context():
                    self.version.current(self.interval)
            except Exception:  # noqa: BLE001  (the database is down: let the app answer 503)
                self.entries.clear()
                return self.app(environ, start_response)
        entry = self.entries.get(key, interval=self.interval)
        if entry is not None:
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
                status=captured["status"],
                headers=[
                    (k, v) for k, v in captured["headers"] if k.lower() not in SKIPPED_HEADERS
                ],
                body=body,
                etag=headers.get("etag"),
            )
            self.entries.put(key, entry)
        return [body]
