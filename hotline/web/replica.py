"""Published content may be read from a replica of the database (``DATABASE_REPLICA_URL``).

**Which reads.** A read-only request (``hotline.web.pipeline``: ``GET``/``HEAD``, not marked
``@writes``) to a front door that declared itself published content with
``published_content(app, *blueprints)`` — the portal's pages, downloads, district pages and
release calendar, and Open311. What they show is published and never changes once
published, so a replica a second behind serves it as well as the primary. Nothing else ever
goes there: a citizen's own orders, the staff API, the console, a draft's preview (it is
``@writes``) and every write must read what was just written.

**The cache version follows the replica.** The shared version that tells a worker to drop
its published pages (``hotline.cache``, table ``cache_versions``) is read from the same
database as the pages, wherever it is read (the portal's micro-cache reads it outside any
request). Read from the primary, a worker would see a new publication before its replica
has it, render the old edition again and keep it under the new version until the next
publication; read from the replica, the caches change when the replica does.

**When the replica is unreachable** its connection is opened (and pinged) at the start of
the request, where the request can still go to the primary instead. After a failure every
published read goes to the primary for ``RETRY_SECONDS``, then the replica is tried again;
a warning is logged at most once every ``WARN_EVERY_SECONDS``. A replica that fails in the
middle of a request costs that one request a 503 (as the primary would) and sends the next
ones to the primary.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app, request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from hotline.extensions import PUBLISHED_READS

log = logging.getLogger("hotline.replica")

RETRY_SECONDS = 5.0  # after a failure, published reads use the primary this long
WARN_EVERY_SECONDS = 60.0
CONNECT_TIMEOUT_SECONDS = 2  # PostgreSQL's shortest; used unless the URL names its own
FOLLOWS_PUBLISHED = frozenset({"cache_versions"})  # tables read where published pages are


class PublishedReads:
    """The front doors that serve published content, and the replica they may read."""

    def __init__(self, url: str | None, engine_options: dict, read_only_option: str):
        self.blueprints: set[str] = set()
        self.engine: Engine | None = None
        self._down_until = 0.0
        self._warned_at: float | None = None
        self._lock = threading.Lock()
        if url:
            self.engine = _replica_engine(url, engine_options, read_only_option)
            event.listen(self.engine, "handle_error", self._on_error)

    # -- which requests --------------------------------------------------------------------
    def serves(self, blueprint: str | None) -> bool:
        return self.engine is not None and blueprint in self.blueprints

    @property
    def up(self) -> bool:
        return time.monotonic() >= self._down_until

    def connect(self) -> Connection | None:
        """A connection to the replica for this request, or None: read the primary."""
        if self.engine is None or not self.up:
            return None
        was_down = self._warned_at is not None
        try:
            conn = self.engine.connect()
        except SQLAlchemyError as exc:
            self.mark_down(exc)
            return None
        if was_down:
            with self._lock:
                if self._warned_at is not None:
                    self._warned_at = None
                    log.info("read replica reachable again; published content read from it")
        return conn

    def route(self, mapper, clause) -> Engine | None:
        """The engine for a read of a table that follows published content (the cache
        version), outside a request that already chose its bind; None: the default."""
        if self.engine is None or mapper is None or not self.up:
            return None
        table = getattr(mapper, "local_table", None)
        if getattr(table, "name", None) not in FOLLOWS_PUBLISHED:
            return None
        return self.engine if getattr(clause, "is_select", False) else None

    # -- failures --------------------------------------------------------------------------
    def _on_error(self, context) -> None:
        if context.is_pre_ping:
            return  # a dead pooled connection; the pool opens a new one (or fails, below)
        if context.is_disconnect or isinstance(context.sqlalchemy_exception, OperationalError):
            self.mark_down(context.sqlalchemy_exception or context.original_exception)

    def mark_down(self, exc: BaseException | None) -> None:
        now = time.monotonic()
        self._down_until = now + RETRY_SECONDS
        with self._lock:
            if self._warned_at is not None and now - self._warned_at < WARN_EVERY_SECONDS:
                return
            self._warned_at = now
        log.warning(
            "read replica unreachable (%s); published content is read from the primary, "
            "the replica is tried again every %g s",
            type(exc).__name__,
            RETRY_SECONDS,
        )

    def dispose(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def _replica_engine(url: str, engine_options: dict, read_only_option: str) -> Engine:
    parsed = make_url(url)
    options = dict(engine_options)
    # A replica that went away must be noticed when a request checks a connection out, while
    # the request can still go to the primary: ping on every checkout (one round trip on a
    # cache miss of a public page; hits never reach the database).
    options["pool_pre_ping"] = True
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        options["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            **options.get("connect_args", {}),
        }
    return create_engine(
        parsed,
        isolation_level="AUTOCOMMIT",
        execution_options={read_only_option: True},
        **options,
    )


def published_reads(app: Flask | None = None) -> PublishedReads | None:
    app = app or current_app._get_current_object()  # noqa: SLF001
    return app.extensions.get(PUBLISHED_READS)


def published_content(app: Flask, *blueprints: str) -> None:
    """Declare that the read-only requests of these blueprints show published content only,
    so that they may be served from the replica."""
    published_reads(app).blueprints.update(blueprints)


def replica_connection() -> Connection | None:
    """For a read-only request: a replica connection when the request's front door serves
    published content and the replica answers; None otherwise (read the primary)."""
    reads = published_reads()
    if reads is None or not reads.serves(request.blueprint):
        return None
    return reads.connect()


def init_app(app: Flask, read_only_option: str) -> None:
    app.extensions[PUBLISHED_READS] = PublishedReads(
        app.config.get("DATABASE_REPLICA_URL"),
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        read_only_option,
    )
