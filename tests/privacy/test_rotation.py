"""Key rotation: add, promote, re-encrypt in batches, report, retire; service keeps going."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import insert, select, update

from hotline.extensions import db
from hotline.models.enums import Channel, OrderKind, OrderStatus, TimeLimit
from hotline.models.orders import Order
from hotline.models.places import District
from privacy import rotation
from privacy.catalog import columns
from privacy.crypto import FieldCipher
from privacy.fields import open_field
from privacy.keyring import KeyRing
from privacy.orm import new_uuid, utcnow
from privacy.runtime import runtime

from .conftest import valid_id

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def person(i: int) -> dict:
    surname = "欧阳" if i % 50 == 0 else SURNAMES[i % len(SURNAMES)]
    return {
        "requester_name": f"{surname}{'建国明华丽娜伟芳'[i % 8]}{'军平英杰'[i % 4]}",
        "requester_phone": f"139{i:08d}",
        "requester_id_number": valid_id(
            f"110105199{i % 10}{i % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
        ),
        "requester_address": f"北京市朝阳区望京街道望京西园{i % 4 + 1}区{i % 30 + 1}号楼",
        "content": f"第{i}号诉求：小区{i % 30 + 1}号楼电梯又坏了，" + "物业推说厂家在修，" * 8,
    }


def insert_orders(cipher: FieldCipher, n: int, start: int = 0) -> None:
    district = db.session.scalar(select(District))
    if district is None:
        district = District(code="110105", name="朝阳区")
        db.session.add(district)
        db.session.flush()
    at = utcnow()
    rows = []
    for i in range(start, start + n):
        uuid = new_uuid()
        row = {
            "uuid": uuid,
            "order_no": f"20260101{i:06d}",
            "query_code_hash": "-",
            "kind": OrderKind.COMPLAINT,
            "channel": Channel.PHONE,
            "district_id": district.id,
            "time_limit": TimeLimit.NORMAL,
            "confidential": False,
            "status": OrderStatus.RECEIVED,
            "round": 1,
            "repeat_count": 0,
            "received_at": at,
            "deadline_at": at,
        }
        for name, value in person(i).items():
            row[name] = cipher.seal(value, "orders", name, uuid)
        rows.append(row)
    for chunk in range(0, len(rows), 2000):
        db.session.execute(insert(Order), rows[chunk : chunk + 2000])
    db.session.commit()


def check_all(cipher: FieldCipher, n: int) -> None:
    db.session.expire_all()
    orders = db.session.scalars(select(Order).order_by(Order.order_no)).all()
    assert len(orders) == n
    for order in orders:
        i = int(order.order_no[8:])
        expected = person(i)
        for name in columns("orders"):
            assert open_field(cipher, order, name) == expected[name]


@pytest.fixture
def keyfile_app(make_app, tmp_path):
    path = tmp_path / "keys.json"
    KeyRing.generate(development=False).save_file(path)
    app = make_app(PRIVACY_KEYRING=None, HOTLINE_KEY_FILE=str(path))
    with app.app_context():
        yield app, path


def _totals(session=None):
    return dict(rotation.totals_by_key(rotation.key_report(session or db.session)))


@pytest.mark.slow
def test_rotation_round_trips_10000_orders(keyfile_app):
    app, path = keyfile_app
    runner = app.test_cli_runner()
    n = 10_000
    insert_orders(runtime().cipher, n)
    assert _totals() == {"k1": 5 * n}

    result = runner.invoke(args=["privacy", "keys", "add", "k2"])
    assert result.exit_code == 0, result.output
    assert "k2" in json.loads(path.read_text())["keys"]
    result = runner.invoke(args=["privacy", "keys", "promote", "k2"])
    assert result.exit_code == 0, result.output
    assert json.loads(path.read_text())["primary"] == "k2"

    result = runner.invoke(args=["privacy", "keys", "retire", "k1"])
    assert result.exit_code != 0
    assert "still encrypts 50000" in result.output

    started = time.perf_counter()
    result = runner.invoke(
        args=["privacy", "keys", "rotate", "--batch-size", "1000", "--no-progress"]
    )
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "ciphertexts re-encrypted: 50000" in result.output
    print(f"\nrotation of {n} orders on {db.engine.dialect.name}: {elapsed:.1f} s")

    result = runner.invoke(args=["privacy", "keys", "report"])
    assert "orders.requester_phone: k2=10000" in result.output
    assert _totals() == {"k2": 5 * n}

    result = runner.invoke(args=["privacy", "keys", "retire", "k1"])
    assert result.exit_code == 0, result.output
    stored = KeyRing.load_file(path)
    assert stored.keys["k1"].state == "retired"
    assert stored.primary_id == "k2"
    assert stored.index_key_id == "k1"  # the blind-index anchor stays

    check_all(FieldCipher(stored), n)


def test_service_keeps_reading_and_writing_during_rotation(keyfile_app):
    app, _ = keyfile_app
    original = runtime().ring
    added = original.with_new_key("k2")  # every worker reloaded after `add`
    promoted = added.with_primary("k2")
    old_worker, new_worker = FieldCipher(added), FieldCipher(promoted)
    insert_orders(old_worker, 250)
    seen = []

    def service_step(table, last_id):
        # A worker not yet reloaded after `promote` writes under k1 and reads k2 values...
        if len(seen) < 2:
            insert_orders(old_worker, 1, start=1000 + len(seen))
        rotated = db.session.scalar(select(Order).where(Order.id <= last_id).limit(1))
        assert rotated.requester_phone.key_id == "k2"
        assert open_field(old_worker, rotated, "requester_phone").startswith("139")
        # ...and a reloaded one reads values not rotated yet.
        pending = db.session.scalar(select(Order).where(Order.id > last_id).limit(1))
        if pending is not None:
            assert open_field(new_worker, pending, "requester_name")
        seen.append(last_id)

    stats = rotation.rotate(db.session, new_worker, batch_size=100, on_batch=service_step)
    assert len(seen) == 3
    # The orders the old worker wrote during the run were still ahead of the cursor.
    assert _totals() == {"k2": 5 * 252}
    assert stats.skipped_changed == 0
    check_all(new_worker, 252)
    # Written after the run by a worker still not reloaded: the next run picks them up.
    insert_orders(old_worker, 1, start=2000)
    assert _totals() == {"k1": 5, "k2": 5 * 252}
    rotation.rotate(db.session, new_worker)
    assert _totals() == {"k2": 5 * 253}


def test_a_value_changed_meanwhile_is_not_overwritten(keyfile_app):
    old = runtime().cipher
    insert_orders(old, 3)
    promoted = FieldCipher(runtime().ring.with_new_key("k2").with_primary("k2"))
    target = db.session.scalar(select(Order).order_by(Order.id).limit(1))
    target_id, target_uuid = target.id, target.uuid
    fresh = promoted.seal("13700009999", "orders", "requester_phone", target_uuid)
    reseal = promoted.reseal
    calls = []

    def racing_reseal(sealed, table, column, record_id):
        if record_id == target_uuid and not calls:
            calls.append(1)  # the service changes the phone while rotation holds the old value
            db.session.execute(
                update(Order.__table__)
                .where(Order.__table__.c.id == target_id)
                .values(requester_phone=fresh)
            )
        return reseal(sealed, table, column, record_id)

    promoted.reseal = racing_reseal
    stats = rotation.rotate(db.session, promoted, batch_size=10)
    assert stats.skipped_changed == 1
    db.session.expire_all()
    order = db.session.get(Order, target_id)
    assert open_field(promoted, order, "requester_phone") == "13700009999"


def test_rotation_resumes_after_interruption(keyfile_app):
    insert_orders(runtime().cipher, 120)
    promoted = FieldCipher(runtime().ring.with_new_key("k2").with_primary("k2"))

    def stop(table, last_id):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotation.rotate(db.session, promoted, batch_size=50, on_batch=stop)
    assert _totals() == {"k1": 5 * 70, "k2": 5 * 50}
    stats = rotation.rotate(db.session, promoted, batch_size=50)
    assert stats.resealed == 5 * 70
    assert _totals() == {"k2": 5 * 120}


def test_keys_with_env_configuration_print_instead_of_writing(make_app, tmp_path):
    ring = KeyRing.generate(development=False)
    app = make_app(PRIVACY_KEYRING=None, HOTLINE_KEYS=json.dumps(ring.to_document()))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["privacy", "keys", "add"])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
        assert set(doc["keys"]) == {"k1", "k2"}
        assert doc["primary"] == "k1"
        assert not list(tmp_path.iterdir())


def test_primary_cannot_be_retired(keyfile_app):
    app, _ = keyfile_app
    result = app.test_cli_runner().invoke(args=["privacy", "keys", "retire", "k1"])
    assert result.exit_code != 0


def test_tables_of_photos_rotate_in_small_batches():
    """A batch holds every ciphertext it reseals twice over: photos go a few at a time."""
    tables = dict((t.name, cols) for t, cols in rotation.encrypted_tables())
    assert rotation.batch_rows(tables["attachments"], 500) == rotation.MEDIA_BATCH_ROWS
    assert rotation.batch_rows(tables["attachments"], 4) == 4
    assert rotation.batch_rows(tables["orders"], 500) == 500
