"""Pooled connections are pinged before use only when they sat idle: a busy connection
costs no extra round trip, an idle one cut by a restart is replaced before a request
uses it."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

from hotline import dbpool


def _engine(tmp_path):
    return create_engine(f"sqlite:///{tmp_path}/pool.db", poolclass=QueuePool, pool_size=1)


def test_a_busy_connection_is_not_pinged_an_idle_one_is(tmp_path):
    engine = _engine(tmp_path)
    pings = []
    real_ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pings.append(1) or real_ping(conn)
    dbpool.install(engine, idle_seconds=0.2)
    for _ in range(5):
        with engine.connect() as conn:
            conn.execute(text("SELECT 2"))
    assert pings == []
    time.sleep(0.25)
    with engine.connect() as conn:
        conn.execute(text("SELECT 2"))
    assert pings == [1]


def test_an_idle_connection_that_was_cut_is_replaced(tmp_path):
    engine = _engine(tmp_path)
    dbpool.install(engine, idle_seconds=0)
    with engine.connect() as conn:
        first = conn.connection.dbapi_connection
    first.close()  # as a server restart would leave it
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 2")).scalar() == 2
        assert conn.connection.dbapi_connection is not first


def test_installing_twice_adds_one_listener(tmp_path):
    engine = _engine(tmp_path)
    dbpool.install(engine, 5)
    dbpool.install(engine, 5)
    assert len(engine.pool.dispatch.checkout) == 1


def test_the_app_pings_only_idle_connections(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
    from hotline.extensions import db

    assert db.engine.pool.hotline_ping_installed
