"""Reading the database directly finds no plaintext phone, ID number, name or address."""

from __future__ import annotations

import json
import logging

from hotline.extensions import db
from hotline.models.enums import EventType, RatingSource, Resolution, Satisfaction
from hotline.models.orders import Rating
from hotline.services.actors import SYSTEM
from hotline.services.lifecycle import append_event
from privacy.access import present, reveal
from privacy.fields import seal_field
from privacy.orm import Base

from .conftest import PERSON, facts_of

SECRETS = {
    "phone": PERSON["phone"],
    "id_number": PERSON["id_number"],
    "name": PERSON["name"],
    "address": "望京西园三区5号楼2单元501",
}


def _dump_database() -> list[tuple[str, str, object]]:
    """Every value of every table, as the driver returns it (no type processing)."""
    values = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            result = conn.exec_driver_sql(f"SELECT * FROM {table.name}")  # noqa: S608
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    values.append((table.name, column, value))
    return values


def _as_bytes(value) -> bytes:
    if isinstance(value, memoryview | bytearray | bytes):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).encode()
    return str(value).encode()


def test_no_plaintext_personal_data_anywhere_in_the_database(
    app, world, make_order, staff, cipher, caplog
):
    caplog.set_level(logging.DEBUG)
    orders = [
        make_order(),
        make_order({"phone": "+86 138-1234-5678"}, content="同一个人又打来：楼道堆物。"),
        make_order(
            content=f"我叫{PERSON['name']}，电话{PERSON['phone']}，"
            f"身份证{PERSON['id_number']}，电梯坏了。"
        ),
    ]
    order = orders[0]
    # Staff type the requester's details into notes and reasons too.
    event = append_event(
        order,
        EventType.PROGRESS,
        SYSTEM,
        public_note=f"已联系{PERSON['name']}（{PERSON['phone']}），约定上门",
        reason=f"诉求人身份证{PERSON['id_number']}，住{SECRETS['address']}",
    )
    seal_field(cipher, event, "internal_note", f"联系{PERSON['name']}，{PERSON['phone']}")
    comment = f"王师傅很好，有事打我{PERSON['phone']}"
    rating = Rating(
        round=1,
        source=RatingSource.CITIZEN,
        resolution=Resolution.YES,
        satisfaction=Satisfaction.SATISFIED,
    )
    order.ratings.append(rating)
    seal_field(cipher, rating, "comment", comment)
    db.session.flush()

    # Plaintext reads leave access-log entries; masked reads leave none.
    viewer, ctx = staff("privacy", purpose=f"依申请核查{PERSON['phone']}的来电")
    for o in orders:
        reveal(
            db.session,
            o,
            [
                "requester_phone",
                "requester_id_number",
                "requester_name",
                "requester_address",
                "content",
            ],
            ctx=ctx.for_order(o.id, o.order_no),
        )
        present(
            db.session, o, ["requester_phone", "requester_name"], viewer=viewer, facts=facts_of(o)
        )
    db.session.commit()

    dump = _dump_database()
    tables = {t for t, _, _ in dump}
    assert {"orders", "order_events", "ratings", "access_log", "access_log_head"} <= tables
    for table, column, value in dump:
        if value is None:
            continue
        raw = _as_bytes(value)
        for what, secret in SECRETS.items():
            assert secret.encode() not in raw, f"plaintext {what} in {table}.{column}"
    # The phone's digits in any layout, and the ID's birth date, are absent too.
    for table, column, value in dump:
        if value is not None:
            assert b"19900307" not in _as_bytes(value), f"birth date in {table}.{column}"
    for record in caplog.records:
        message = record.getMessage()
        for what, secret in SECRETS.items():
            assert secret not in message, f"plaintext {what} in a log line"
