"""Migrations that move data: run against a database holding rows written by the previous
schema, and check what a user would see afterwards."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from hotline.extensions import db
from privacy.crypto import Sealed
from privacy.runtime import runtime
from yangguang import create_app


def test_notes_are_sealed_in_place_and_read_back(base_config, tmp_path):
    app = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.db"})
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO districts (id, code, name, urban) "
                    "VALUES (1, '110105', '朝阳区', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO orders (id, uuid, order_no, query_code_hash, kind, channel, "
                    "district_id, time_limit, confidential, status, round, received_at, "
                    "deadline_at, repeat_count) VALUES (1, 'o-1', '20260101000001', 'x', "
                    "'complaint', 'phone', 1, 'normal', 0, 'completed', 1, "
                    "'2026-01-01 00:00:00', '2026-01-08 00:00:00', 0)"
                )
            )
            for i, (note, reason) in enumerate(
                [("已联系张三，电话13712340099", None), (None, "非本辖区"), (None, None)], 1
            ):
                conn.execute(
                    text(
                        "INSERT INTO order_events (id, uuid, order_id, seq, type, occurred_at, "
                        "round, public_note, reason) VALUES (:i, :u, 1, :i, 'progress', "
                        "'2026-01-01 00:00:00', 1, :n, :r)"
                    ),
                    {"i": i, "u": f"e-{i}", "n": note, "r": reason},
                )
        upgrade(revision="0009")
        cipher = runtime().cipher
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT uuid, public_note, reason FROM order_events ORDER BY id")
            ).all()
            columns = {c[1] for c in conn.execute(text("PRAGMA table_info(ratings)"))}
        assert b"13712340099" not in b"".join(bytes(r.public_note or b"") for r in rows)
        opened = [
            tuple(
                cipher.open(Sealed(bytes(v)), "order_events", col, r.uuid) if v else None
                for col, v in (("public_note", r.public_note), ("reason", r.reason))
            )
            for r in rows
        ]
        assert opened == [("已联系张三，电话13712340099", None), (None, "非本辖区"), (None, None)]
        assert "comment_public" not in columns
        db.engine.dispose()
