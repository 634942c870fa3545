"""Published content read from a replica (``DATABASE_REPLICA_URL``, ``hotline.web.replica``).

A streaming replica cannot be had in a test, so the replica here is a copy of the primary
taken when the test says so (``sync``), which is what a replica is at any moment: a second
SQLite file, or on PostgreSQL a schema of its own in the same database that the replica's
connections put first on their search path. The primary changes after the copy, so what a
page shows proves which database served it.
"""

from __future__ import annotations

import logging
import secrets
import socket
import sqlite3
import threading
import time

import pytest
from flask import request
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hotline.extensions import db, limiter
from hotline.models.categories import Category
from hotline.reports import editions
from hotline.reports.periods import Period
from hotline.web import replica as replica_module
from hotline.web.pipeline import ReadOnlyViolation
from hotline.web.replica import published_reads, replica_connection
from privacy.orm import Base
from tests.conftest import PASSWORD
from tests.miniapp_api.helpers import login as citizen_login
from tests.miniapp_api.helpers import make_order

ERRATUM = "更正：第三季度数据口径调整"
NEW_CATEGORY = ("030199", "主库新增分类")


class ReplicaCopy:
    """A copy of the primary, refreshed by ``sync()`` (the replay of a replica)."""

    def __init__(self, primary_url: str, tmp_path):
        self.primary = make_url(primary_url)
        self.postgres = self.primary.get_backend_name() == "postgresql"
        if self.postgres:
            self.schema = f"replica_{secrets.token_hex(4)}"
            options = f"-csearch_path={self.schema},public"
            self.url = self.primary.update_query_dict({"options": options}).render_as_string(
                hide_password=False
            )
        else:
            self.path = tmp_path / "replica" / "replica.db"
            self.url = f"sqlite:///{self.path}"
        self.made = False

    def sync(self) -> None:
        db.session.commit()
        if self.postgres:
            self._sync_schema()
        else:
            self.path.parent.mkdir(exist_ok=True)
            source, target = sqlite3.connect(self.primary.database), sqlite3.connect(self.path)
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        self.made = True

    def _sync_schema(self) -> None:
        with db.engine.begin() as conn:
            if not self.made:
                conn.execute(text(f"CREATE SCHEMA {self.schema}"))
            for table in Base.metadata.sorted_tables:
                name = f'{self.schema}."{table.name}"'
                if self.made:
                    conn.execute(text(f"DELETE FROM {name}"))
                    conn.execute(text(f'INSERT INTO {name} SELECT * FROM public."{table.name}"'))
                else:
                    conn.execute(text(f'CREATE TABLE {name} AS TABLE public."{table.name}"'))

    def drop(self) -> None:
        if self.postgres and self.made:
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {self.schema} CASCADE"))


class Forwarder:
    """A TCP port that refuses connections until ``open()`` forwards it to PostgreSQL (a
    replica that comes back)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server: socket.socket | None = None
        self.sockets: list[socket.socket] = []

    def open(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        for s in [self.server, *self.sockets]:
            if s is not None:
                s.close()


@pytest.fixture
def replica(base_config, tmp_path):
    copy = ReplicaCopy(base_config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    yield copy
    copy.drop()


@pytest.fixture
def replica_app(make_app):
    """Apps reading published content from a replica; the replica's pool is closed after."""
    made = []

    def factory(url: str, **overrides):
        made.append(make_app(DATABASE_REPLICA_URL=url, **overrides))
        return made[-1]

    yield factory
    for app in made:
        published_reads(app).dispose()


def _publish(world, correction_of=None):
    publisher = world.users["publisher"].id
    if correction_of is None:
        draft = editions.build_draft(Period.parse("2025"), publisher)
    else:
        draft = editions.start_correction(correction_of, ERRATUM, publisher)
    edition = editions.publish(draft, publisher)
    db.session.commit()
    return edition


def _add_category(world) -> None:
    parent = world.categories["lift"].parent
    code, name = NEW_CATEGORY
    db.session.add(Category(code=code, name=name, level=3, parent=parent))
    db.session.commit()


def _staff_token(client, username: str) -> dict:
    resp = client.post(
        "/staff/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert resp.status_code == 200, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def _edition_shown(client) -> int:
    """The version of the 2025 report a reader is shown."""
    page = client.get("/reports/2025")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    shown = [v for v in (1, 2) if f"/reports/2025/v{v}/data.json" in body]
    assert shown, body[:500]
    return max(shown)


def _service_codes(client) -> set[str]:
    resp = client.get("/open311/v2/services.json")
    assert resp.status_code == 200
    return {s["service_code"] for s in resp.get_json()}


def test_published_pages_read_the_replica_everything_else_the_primary(
    app, world, replica, replica_app
):
    first = _publish(world)
    replica.sync()
    # After the copy the primary moves on: a correction and a new category.
    _publish(world, correction_of=first)
    _add_category(world)

    client = replica_app(replica.url).test_client()
    # The portal and Open311 read the replica: the first edition, the old categories.
    assert _edition_shown(client) == 1
    assert ERRATUM not in client.get("/reports/2025").get_data(as_text=True)
    assert NEW_CATEGORY[0] not in _service_codes(client)
    assert client.get("/reports/2025/v2").status_code == 404  # not replayed there yet
    assert client.get("/reports/2025/v1/data.json").status_code == 200

    # The staff API reads the primary: both editions.
    listed = client.get("/staff/api/v1/reports", headers=_staff_token(client, "publisher"))
    assert listed.status_code == 200
    versions = [e["version"] for r in listed.get_json()["items"] for e in r["editions"]]
    assert sorted(v for v in versions if v) == [1, 2]
    # The citizen API reads the primary: the category added after the copy.
    categories = client.get("/api/v1/categories", query_string={"parent": "0301"})
    assert categories.status_code == 200
    assert NEW_CATEGORY[0] in {c["code"] for c in categories.get_json()["items"]}


def test_a_citizen_reads_their_own_order_from_the_primary(app, world, replica, replica_app):
    """Read-your-writes: an order received after the replica's copy is the citizen's at once."""
    replica.sync()
    other = replica_app(replica.url, SMS_SENDER="tests.miniapp_api.helpers:CapturingSender")
    with other.app_context():
        limiter.reset()
    client = other.test_client()
    headers = citizen_login(client)
    order = make_order(world, state="received")

    detail = client.get(f"/api/v1/orders/{order.order_no}", headers=headers)
    assert detail.status_code == 200, detail.get_json()
    assert detail.get_json()["order_no"] == order.order_no
    mine = client.get("/api/v1/orders", headers=headers)
    assert mine.status_code == 200
    assert order.order_no in {o["order_no"] for o in mine.get_json()["items"]}


def test_only_published_content_is_offered_the_replica(app, world, replica, replica_app):
    """Every GET route without parameters, front door by front door: the portal and Open311
    may read the replica; the citizen API, the H5 page, the staff API and the console never."""
    replica.sync()
    other = replica_app(replica.url)
    chosen: dict[str, set[bool]] = {}
    for rule in other.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint == "static":
            continue
        with other.test_request_context(rule.rule):
            conn = replica_connection()
            if conn is not None:
                conn.close()
            blueprint = request.blueprint or "-"
        chosen.setdefault(blueprint, set()).add(conn is not None)
    assert chosen.pop("portal") == {True}
    assert chosen.pop("open311") == {True}
    assert {"miniapp_api", "h5", "workbench", "console"} <= set(chosen), chosen
    assert all(used == {False} for used in chosen.values()), chosen


def test_a_draft_preview_reads_the_primary(app, world, replica, replica_app):
    replica.sync()  # the replica has no report at all
    client = replica_app(replica.url).test_client()
    headers = _staff_token(client, "publisher")
    draft = client.post("/staff/api/v1/reports/drafts", json={"year": 2025}, headers=headers)
    assert draft.status_code == 201, draft.get_json()
    preview_url = draft.get_json()["preview_url"]
    assert client.get(preview_url).status_code == 200  # just written: read where it was


def test_the_cache_follows_the_replica_not_the_primary(app, world, replica, replica_app):
    """A publication reaches the primary before the replica: a worker must not render the
    old edition again and keep it as if it were the new one."""
    first = _publish(world)
    replica.sync()
    client = replica_app(replica.url, CACHE_VERSION_CHECK_SECONDS=0.2).test_client()
    assert _edition_shown(client) == 1

    _publish(world, correction_of=first)  # bumps the cache version on the primary
    time.sleep(0.3)
    assert _edition_shown(client) == 1  # the replica has not replayed it yet

    replica.sync()  # now it has
    time.sleep(0.3)
    assert _edition_shown(client) == 2
    assert ERRATUM in client.get("/reports/2025").get_data(as_text=True)


def _unreachable_url(primary_url: str, tmp_path) -> str:
    url = make_url(primary_url)
    if url.get_backend_name() == "postgresql":
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    return f"sqlite:///{tmp_path}/absent/replica.db"


def test_an_unreachable_replica_falls_back_to_the_primary(
    app, world, base_config, tmp_path, replica_app, caplog
):
    first = _publish(world)
    _publish(world, correction_of=first)
    other = replica_app(_unreachable_url(base_config["SQLALCHEMY_DATABASE_URI"], tmp_path))
    client = other.test_client()
    with caplog.at_level(logging.WARNING, logger="hotline.replica"):
        for _ in range(3):
            assert _edition_shown(client) == 2  # the primary's latest edition
            assert client.get("/reports/2025/v1/data.json").status_code == 200
            assert client.get("/reports/districts/").status_code == 200
            assert client.get("/open311/v2/services.json").status_code == 200
    warnings = [r for r in caplog.records if r.name == "hotline.replica"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # once, not per request
    assert "unreachable" in warnings[0].getMessage()
    assert base_config["SQLALCHEMY_DATABASE_URI"].split("@")[-1] not in warnings[0].getMessage()


def test_a_replica_lost_during_a_request_answers_503_then_the_primary(
    app, world, replica, replica_app, monkeypatch
):
    first = _publish(world)
    replica.sync()
    _publish(world, correction_of=first)  # the primary is one edition ahead
    other = replica_app(replica.url, PORTAL_CACHE_SECONDS=0)
    reads = published_reads(other)
    connect = reads.connect

    def dies_after_connecting():
        conn = connect()
        conn.connection.dbapi_connection.close()  # the replica goes away mid-request
        return conn

    monkeypatch.setattr(reads, "connect", dies_after_connecting)
    client = other.test_client()
    lost = client.get("/reports/2025")
    assert lost.status_code == 503
    assert lost.headers["Retry-After"]
    assert "服务暂时不可用" in lost.get_data(as_text=True)

    monkeypatch.setattr(reads, "connect", connect)
    assert _edition_shown(client) == 2  # the next request: the primary
    assert client.get("/open311/v2/services.json").status_code == 200


def test_the_replica_is_read_again_when_it_comes_back(
    app, world, base_config, replica, replica_app, monkeypatch
):
    monkeypatch.setattr(replica_module, "RETRY_SECONDS", 0.2)
    first = _publish(world)
    replica.sync()
    _publish(world, correction_of=first)  # the replica stays one edition behind
    forwarder = None
    if replica.postgres:  # the replica's port refuses connections until forwarded
        primary = make_url(base_config["SQLALCHEMY_DATABASE_URI"])
        forwarder = Forwarder((primary.host or "127.0.0.1", primary.port or 5432))
        url = make_url(replica.url).set(host="127.0.0.1", port=forwarder.port)
        url, come_back = url.render_as_string(hide_password=False), forwarder.open
    else:  # the replica's folder is away until it is put back
        folder = replica.path.parent
        folder.rename(folder.with_name("away"))
        url = replica.url

        def come_back():
            folder.with_name("away").rename(folder)

    try:
        client = replica_app(url, CACHE_VERSION_CHECK_SECONDS=0).test_client()
        assert _edition_shown(client) == 2  # down: the primary
        come_back()
        time.sleep(0.3)
        assert _edition_shown(client) == 1  # back: the replica, one edition behind
    finally:
        if forwarder is not None:
            forwarder.close()


def test_a_replica_is_never_written(app, world, replica, replica_app):
    replica.sync()
    other = replica_app(replica.url)
    with other.test_request_context("/reports/"):
        conn = published_reads(other).connect()
        try:
            with pytest.raises(ReadOnlyViolation):
                conn.execute(text("DELETE FROM report_editions"))
        finally:
            conn.close()


def test_without_a_replica_nothing_changes(app, world):
    assert published_reads(app).engine is None
    first = _publish(world)
    assert first.version == 1
    assert _edition_shown(app.test_client()) == 1
