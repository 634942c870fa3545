"""The one request pipeline: reads cannot write, a write commits once when it succeeds,
any failure rolls back, and an error that says its changes stand keeps them."""

from __future__ import annotations

import pytest
from flask import jsonify
from sqlalchemy import func, select

from hotline.errors import ApiError, Invalid
from hotline.extensions import db
from hotline.models.caches import CacheVersion
from hotline.web.pipeline import writes


class Recorded(ApiError):
    status, code, commit = 401, "recorded", True


@pytest.fixture
def probe_app(make_app):
    app = make_app()

    def add(name: str):
        db.session.add(CacheVersion(name=name, version=1))
        db.session.flush()

    @app.get("/api/probe/read-that-writes")
    def read_that_writes():
        add("read")
        return jsonify(ok=True)

    @app.get("/api/probe/audited-read")
    @writes
    def audited_read():
        add("audited")
        return jsonify(ok=True)

    @app.post("/api/probe/write")
    def write():
        add("written")
        return jsonify(ok=True)

    @app.post("/api/probe/write-then-fail")
    def write_then_fail():
        add("failed")
        raise Invalid("不行")

    @app.post("/api/probe/write-then-refuse-but-record")
    def write_then_record():
        add("recorded")
        raise Recorded("已记录")

    return app


def _names(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(CacheVersion.name)))


def test_a_read_cannot_write(probe_app):
    resp = probe_app.test_client().get("/api/probe/read-that-writes")
    assert resp.status_code == 500
    assert _names(probe_app) == set()


def test_a_read_marked_as_writing_commits_once(probe_app):
    assert probe_app.test_client().get("/api/probe/audited-read").status_code == 200
    assert _names(probe_app) == {"audited"}


def test_writes_commit_on_success_and_roll_back_on_failure(probe_app):
    client = probe_app.test_client()
    assert client.post("/api/probe/write").status_code == 200
    assert client.post("/api/probe/write-then-fail").status_code == 422
    assert _names(probe_app) == {"written"}


def test_an_error_that_says_its_changes_stand_keeps_them(probe_app):
    resp = probe_app.test_client().post("/api/probe/write-then-refuse-but-record")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "recorded"
    assert _names(probe_app) == {"recorded"}


def test_reads_leave_no_transaction_open(probe_app):
    client = probe_app.test_client()
    for _ in range(3):
        assert client.get("/api/probe/audited-read").status_code in (200, 500)
    with probe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CacheVersion)) == 1
