"""The access log's chain: edits, deletions, insertions and reorderings are all caught."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from hotline.extensions import db
from privacy.access import reveal
from privacy.accesslog import verify_chain
from privacy.checkpoint import FORMAT, key_fingerprint, make_checkpoint, sign, verify_checkpoint
from privacy.keyring import KeyRing

from .conftest import raw_connection

N = 6


@pytest.fixture
def log(app, make_order, staff, ring):
    """Six committed entries, each a plaintext read of one order."""
    _, ctx = staff("privacy", purpose="依申请核查")
    for i in range(N):
        order = make_order({"phone": f"1390000{i:04d}"}, content=f"第{i}件诉求：路灯不亮。")
        reveal(db.session, order, ["requester_phone"], ctx=ctx.for_order(order.id, order.order_no))
    db.session.commit()
    assert verify_chain(db.session, ring).ok
    return ring


def _tamper(*statements):
    with raw_connection() as conn:
        for sql, params in statements:
            conn.execute(text(sql), params)
    db.session.expire_all()


def test_intact_log_verifies(log):
    report = verify_chain(db.session, log)
    assert report.ok
    assert report.checked == N
    assert report.last_seq == N


def test_edited_entry_is_named(log):
    _tamper(("UPDATE access_log SET purpose = '例行检查' WHERE seq = 3", {}))
    report = verify_chain(db.session, log)
    assert not report.ok
    assert report.first_bad_seq == 3
    assert "edited" in report.problem


def test_edited_value_hash_is_named(log):
    _tamper(("UPDATE access_log SET value_hashes = '{}' WHERE seq = 5", {}))
    assert verify_chain(db.session, log).first_bad_seq == 5


def test_deleted_entry_is_named(log):
    _tamper(("DELETE FROM access_log WHERE seq = 4", {}))
    report = verify_chain(db.session, log)
    assert not report.ok
    assert report.first_bad_seq == 4
    assert "missing" in report.problem


def test_deleted_tail_is_caught_by_the_head(log):
    _tamper(("DELETE FROM access_log WHERE seq >= 5", {}))
    report = verify_chain(db.session, log)
    assert not report.ok
    assert report.first_bad_seq == 5


def test_inserted_entry_is_named(log):
    # Make room at seq 3 and insert a copy of entry 2 there, relinked to entry 2.
    _tamper(
        ("UPDATE access_log SET seq = seq + 1000 WHERE seq >= 3", {}),
        ("UPDATE access_log SET seq = seq - 999 WHERE seq >= 1003", {}),
        (
            "INSERT INTO access_log (seq, occurred_at, action, actor, role, unit_id, order_id, "
            "order_no, records, fields, purpose, client_addr, request_id, value_hashes, "
            "prev_hash, entry_hash) SELECT 3, occurred_at, action, actor, role, unit_id, "
            "order_id, order_no, records, fields, purpose, client_addr, request_id, "
            "value_hashes, entry_hash, :forged FROM access_log WHERE seq = 2",
            {"forged": "f" * 64},
        ),
    )
    report = verify_chain(db.session, log)
    assert not report.ok
    assert report.first_bad_seq == 3


def test_reordered_entries_are_named(log):
    _tamper(
        ("UPDATE access_log SET seq = 100 WHERE seq = 2", {}),
        ("UPDATE access_log SET seq = 2 WHERE seq = 3", {}),
        ("UPDATE access_log SET seq = 3 WHERE seq = 100", {}),
    )
    report = verify_chain(db.session, log)
    assert not report.ok
    assert report.first_bad_seq == 2


def test_a_log_rebuilt_without_the_key_is_caught(log):
    other = KeyRing.generate(development=True)
    report = verify_chain(db.session, other)
    assert not report.ok
    assert report.first_bad_seq == 1


def test_checkpoint_signs_and_verifies(log):
    doc = make_checkpoint(db.session, log)
    assert doc["seq"] == N
    assert len(doc["signature"]) > 60
    assert verify_checkpoint(db.session, log, doc).ok
    # The log grows; the old checkpoint still holds.
    db.session.commit()
    assert verify_checkpoint(db.session, log, json.loads(json.dumps(doc))).ok


@pytest.mark.parametrize(
    "forge",
    [
        lambda d: d.update(seq=d["seq"] - 1),
        lambda d: d.update(entry_hash="0" * 64),
        lambda d: d.update(signature=d["signature"][:-4] + "AAA="),
        lambda d: d.pop("signature"),
        lambda d: d.update(format="something else"),
    ],
)
def test_forged_checkpoint_is_rejected(log, forge):
    doc = make_checkpoint(db.session, log)
    forge(doc)
    assert not verify_checkpoint(db.session, log, doc).ok


def test_checkpoint_from_another_key_is_rejected(log):
    # Signed by someone else over the true head: the signature key is not this log's.
    other = KeyRing.generate(development=True)
    doc = {
        "format": FORMAT,
        "seq": N,
        "entry_hash": verify_chain(db.session, log).last_hash,
        "time": "2026-01-01T00:00:00+00:00",
        "key_fingerprint": key_fingerprint(other),
        "public_key": "",
    }
    doc = sign(other, doc)
    report = verify_checkpoint(db.session, log, doc)
    assert not report.ok
    assert "not this log's key" in report.problem
    doc["key_fingerprint"] = key_fingerprint(log)
    assert not verify_checkpoint(db.session, log, doc).ok


def test_checkpoint_catches_a_truncated_log_even_with_the_head_rewritten(log):
    doc = make_checkpoint(db.session, log)
    last4 = db.session.execute(text("SELECT entry_hash FROM access_log WHERE seq = 4")).scalar()
    _tamper(
        ("DELETE FROM access_log WHERE seq > 4", {}),
        ("UPDATE access_log_head SET last_seq = 4, last_hash = :h", {"h": last4}),
    )
    assert verify_chain(db.session, log).ok  # the chain alone cannot tell
    report = verify_checkpoint(db.session, log, doc)
    assert not report.ok
    assert report.first_bad_seq == 5


def test_a_broken_log_is_not_checkpointed(log):
    from privacy.accesslog import AccessLogError

    _tamper(("UPDATE access_log SET actor = 'staff:1' WHERE seq = 2", {}))
    with pytest.raises(AccessLogError):
        make_checkpoint(db.session, log)


def test_cli_verify_and_checkpoint(log, runner, tmp_path):
    out = tmp_path / "checkpoint.json"
    result = runner.invoke(args=["privacy", "log", "checkpoint", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["privacy", "log", "verify", "--checkpoint", str(out)])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    assert "matches" in result.output

    doc = json.loads(out.read_text())
    doc["seq"] = 2
    out.write_text(json.dumps(doc))
    result = runner.invoke(args=["privacy", "log", "verify", "--checkpoint", str(out)])
    assert result.exit_code == 1
    assert "REJECTED" in result.output

    _tamper(("UPDATE access_log SET purpose = NULL WHERE seq = 3", {}))
    result = runner.invoke(args=["privacy", "log", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at seq 3" in result.output
