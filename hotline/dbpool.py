"""Checking pooled database connections before use: only those that sat idle.

SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` every time a connection leaves the pool:
one more round trip on every request, as much again as the one query of a citizen's hot
read. A connection in steady use needs no ping (if the server went away, the next query
fails, SQLAlchemy invalidates the whole pool, and the request answers 503 with
``Retry-After``); one that sat idle for ``DATABASE_PING_IDLE_SECONDS`` may have been cut
by a restart, a failover or a firewall's idle timeout, and is pinged first — on failure it
and every older pooled connection are replaced before the request uses any.
"""

from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_IDLE_SINCE = "hotline_idle_since"


def install(engine: Engine, idle_seconds: float) -> None:
    """Ping connections idle at least ``idle_seconds`` on checkout (0: ping every time)."""
    pool = engine.pool
    if getattr(pool, "hotline_ping_installed", False):
        return
    pool.hotline_ping_installed = True
    dialect = engine.dialect

    def checkin(dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_connection, record, proxy) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # just opened, or in steady use
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # Replace this connection and every older one (a restart cut them all).
            raise exc.InvalidatePoolError("idle connection lost") from error

    event.listen(pool, "checkin", checkin)
    event.listen(pool, "checkout", checkout)
