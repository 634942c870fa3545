"""Plaintext reads: the role matrix, one log entry per plaintext read, none for masked."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from hotline.extensions import db
from hotline.models.enums import AssignmentRole, AssignmentState
from hotline.models.orders import Assignment
from privacy import accesslog
from privacy.access import masked, present, reveal, reveal_many
from privacy.accesslog import AccessContext, AccessLogError, find_by_value, verify_chain
from privacy.matrix import OrderFacts, PlaintextRefused, Viewer
from privacy.models import AccessLogEntry
from privacy.orm import utcnow

from .conftest import CONTENT, PERSON, facts_of

FIELDS = (
    "requester_name",
    "requester_phone",
    "requester_id_number",
    "requester_address",
    "content",
)


def _log_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AccessLogEntry))


def _assign(order, unit):
    order.assignments.append(
        Assignment(
            unit_id=unit.id,
            role=AssignmentRole.LEAD,
            state=AssignmentState.ACCEPTED,
            dispatched_at=utcnow(),
        )
    )
    db.session.flush()


def test_reveal_writes_one_entry_before_returning(app, make_order, staff):
    order = make_order()
    _, ctx = staff("privacy", purpose="核查投诉 #42")
    ctx = ctx.for_order(order.id, order.order_no)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        from flask import g

        g.request_id = "req-abc"
        values = reveal(db.session, order, ["requester_phone", "requester_name"], ctx=ctx)
    assert values == {"requester_phone": PERSON["phone"], "requester_name": PERSON["name"]}
    entry = db.session.scalars(select(AccessLogEntry)).one()
    assert entry.action == "reveal"
    assert entry.actor.startswith("staff:")
    assert entry.role == "privacy_officer"
    assert (entry.order_id, entry.order_no) == (order.id, order.order_no)
    assert entry.fields == "orders.requester_phone,orders.requester_name"
    assert entry.records == f"orders:{order.uuid}"
    assert entry.purpose == "核查投诉 #42"
    assert (entry.client_addr, entry.request_id) == ("10.1.2.3", "req-abc")
    hashes = json.loads(entry.value_hashes)
    assert len(hashes) == 2
    assert PERSON["phone"] not in entry.value_hashes
    assert entry.seq == 1
    assert entry.prev_hash == "0" * 64


def test_masked_reads_write_nothing(app, make_order):
    order = make_order()
    out = masked(order, FIELDS)
    assert out["requester_phone"] == "138****5678"
    assert out["requester_name"] == "欧阳**"
    assert out["requester_address"] == "北京市朝阳区望京街道"
    assert out["content"] == CONTENT
    assert _log_count() == 0


def test_officer_can_find_every_read_of_a_phone(app, make_order, staff, ring):
    a = make_order()
    b = make_order({"phone": "13900001111"}, content="楼下餐馆油烟扰民，晚上十点还在营业。")
    _, ctx = staff("privacy", purpose="统计核查")
    reveal(db.session, a, ["requester_phone"], ctx=ctx)
    reveal(db.session, b, ["requester_phone"], ctx=ctx)
    found = find_by_value(db.session, ring, "phone", "+86 138-1234-5678")
    assert [e.records for e in found] == [f"orders:{a.uuid}"]


def test_reveal_many_logs_one_entry_for_an_order_and_its_events(app, make_order, staff):
    from hotline.models.enums import EventType
    from hotline.services.actors import SYSTEM
    from hotline.services.lifecycle import append_event
    from privacy.fields import seal_field
    from privacy.runtime import runtime

    order = make_order()
    event = append_event(order, EventType.PROGRESS, SYSTEM, public_note="已联系")
    seal_field(runtime().cipher, event, "internal_note", "诉求人要求下午联系")
    db.session.flush()
    _, ctx = staff("privacy", purpose="复核")
    out = reveal_many(
        db.session, [(order, ["requester_phone"]), (event, ["internal_note"])], ctx=ctx
    )
    assert out[1]["internal_note"] == "诉求人要求下午联系"
    entry = db.session.scalars(select(AccessLogEntry)).one()
    assert entry.fields == "orders.requester_phone,order_events.internal_note"


# -- the role matrix through present() ---------------------------------------------------
@pytest.mark.parametrize(
    ("who", "ask", "assigned", "confidential", "purpose", "outcome"),
    [
        ("agent", FIELDS, False, False, None, "plain"),
        ("agent", ("requester_phone",), False, True, None, "plain"),
        ("h_wangjing", ("requester_phone",), True, False, None, "plain"),
        ("h_wangjing", ("requester_name",), True, False, None, "refused"),
        ("h_wangjing", ("requester_phone",), True, True, None, "refused"),
        ("h_jiuxianqiao", ("requester_phone",), True, False, None, "refused"),
        ("privacy", FIELDS, False, False, "依申请核查", "plain"),
        ("privacy", ("requester_phone",), False, False, None, "refused"),
        ("privacy", ("requester_phone",), False, False, "   ", "refused"),
        ("dispatcher", ("requester_phone",), True, False, None, "refused"),
        ("supervisor", ("requester_phone",), True, False, "督办", "refused"),
        ("admin", ("requester_id_number",), False, False, "运维", "refused"),
    ],
)
def test_role_matrix(
    app, world, make_order, staff, who, ask, assigned, confidential, purpose, outcome
):
    order = make_order(confidential=confidential)
    if assigned:
        _assign(order, world.units["wangjing"])
    viewer, ctx = staff(who, purpose=purpose)
    ctx = ctx.for_order(order.id, order.order_no)
    if outcome == "refused":
        with pytest.raises(PlaintextRefused) as info:
            present(
                db.session, order, FIELDS, viewer=viewer, facts=facts_of(order), ctx=ctx, reveal=ask
            )
        assert info.value.message  # Chinese, shown to the client
        assert _log_count() == 0
        return
    out = present(
        db.session, order, FIELDS, viewer=viewer, facts=facts_of(order), ctx=ctx, reveal=ask
    )
    assert _log_count() == 1
    for name in ask:
        assert (
            out[name]
            == {**{f"requester_{k}": v for k, v in PERSON.items()}, "content": CONTENT}[name]
        )
    entry = db.session.scalars(select(AccessLogEntry)).one()
    assert entry.purpose  # stated, or the rule's own purpose
    assert entry.fields == ",".join(f"orders.{name}" for name in ask)


@pytest.mark.parametrize("who", ["agent", "h_wangjing", "dispatcher", "privacy", "admin"])
def test_default_is_masked_and_unlogged(app, world, make_order, staff, who):
    order = make_order()
    _assign(order, world.units["wangjing"])
    viewer, ctx = staff(who)
    out = present(db.session, order, FIELDS, viewer=viewer, facts=facts_of(order), ctx=ctx)
    assert out["requester_phone"] == "138****5678"
    assert out["requester_id_number"].count("*") == 15
    assert _log_count() == 0


def test_confidential_order_hides_identity_from_units(app, world, make_order, staff):
    order = make_order(confidential=True, content="举报：楼下商户占道经营，电话13812345678")
    _assign(order, world.units["wangjing"])
    viewer, ctx = staff("h_wangjing")
    out = present(db.session, order, FIELDS, viewer=viewer, facts=facts_of(order), ctx=ctx)
    assert out["requester_name"] is None
    assert out["requester_phone"] is None
    assert out["requester_address"] is None
    assert out["requester_id_number"] is None
    assert out["content"] == "举报：楼下商户占道经营，电话[手机号]"
    # The hotline still sees the masked identity.
    viewer, ctx = staff("dispatcher")
    out = present(db.session, order, FIELDS, viewer=viewer, facts=facts_of(order), ctx=ctx)
    assert out["requester_name"] == "欧阳**"


def test_citizen_viewer_gets_masked_only(app, make_order):
    order = make_order()
    out = present(db.session, order, FIELDS, viewer=Viewer(None), facts=OrderFacts())
    assert out["requester_phone"] == "138****5678"
    with pytest.raises(PlaintextRefused):
        present(
            db.session,
            order,
            FIELDS,
            viewer=Viewer(None),
            facts=OrderFacts(),
            ctx=AccessContext("citizen", "citizen"),
            reveal=["requester_phone"],
        )


# -- fail closed -------------------------------------------------------------------------
def test_no_plaintext_when_the_log_writer_fails(app, make_order, staff, monkeypatch):
    order = make_order()
    viewer, ctx = staff("agent")

    def broken(*args, **kwargs):
        raise AccessLogError("disk full")

    monkeypatch.setattr(accesslog, "append_entry", broken)
    result = None
    with pytest.raises(AccessLogError):
        result = present(
            db.session,
            order,
            FIELDS,
            viewer=viewer,
            facts=facts_of(order),
            ctx=ctx,
            reveal=["requester_phone"],
        )
    with pytest.raises(AccessLogError):
        result = reveal(db.session, order, ["requester_phone"], ctx=ctx)
    assert result is None


def test_no_plaintext_when_the_database_refuses_the_entry(app, make_order, staff):
    order = make_order()
    _, ctx = staff("agent")
    reveal(db.session, order, ["requester_phone"], ctx=ctx)
    db.session.commit()
    # Someone occupies the next sequence number behind the head's back: the insert fails.
    db.session.execute(
        text(
            "INSERT INTO access_log (seq, occurred_at, action, actor, role, records, fields, "
            "value_hashes, prev_hash, entry_hash) VALUES (2, :at, 'reveal', 'x', 'x', '', '', "
            "'{}', 'x', 'y')"
        ),
        {"at": utcnow()},
    )
    db.session.commit()
    result = None
    with pytest.raises(AccessLogError):
        result = reveal(db.session, order, ["requester_phone"], ctx=ctx)
    assert result is None
    db.session.rollback()


def test_orm_refuses_to_change_or_delete_entries(app, make_order, staff):
    order = make_order()
    _, ctx = staff("agent")
    reveal(db.session, order, ["requester_phone"], ctx=ctx)
    db.session.commit()
    entry = db.session.scalars(select(AccessLogEntry)).one()
    entry.purpose = "改写"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AccessLogEntry)).one())
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_postgresql_trigger_refuses_update_delete_and_truncate(app, make_order, staff):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    from sqlalchemy.exc import DBAPIError

    order = make_order()
    _, ctx = staff("agent")
    reveal(db.session, order, ["requester_phone"], ctx=ctx)
    db.session.commit()
    for sql in (
        "UPDATE access_log SET purpose = 'x'",
        "DELETE FROM access_log",
        "TRUNCATE access_log",
        "TRUNCATE access_log CASCADE",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))
    assert verify_chain(db.session, app.extensions["privacy"].ring).ok


def test_concurrent_writers_never_fork_the_chain(app, make_order, staff, ring):
    import threading

    order_id = make_order().id
    _, ctx = staff("privacy", purpose="并发核查")
    db.session.commit()
    errors, per_thread = [], 15

    def worker():
        with app.app_context():
            from hotline.models.orders import Order

            try:
                for _ in range(per_thread):
                    order = db.session.get(Order, order_id)
                    reveal(db.session, order, ["requester_phone"], ctx=ctx)
                    db.session.commit()
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain(db.session, ring)
    assert report.ok, report.describe()
    assert report.checked == 3 * per_thread


def test_refusals_and_log_failures_answer_in_the_api_error_shape(app):
    from privacy.accesslog import AccessLogError

    @app.route("/staff/api/v1/_privacy_probe/<kind>")
    def probe(kind):
        if kind == "refused":
            raise PlaintextRefused("您的角色无权查看这些个人信息的明文", fields=["requester_phone"])
        raise AccessLogError("disk full")

    client = app.test_client()
    resp = client.get("/staff/api/v1/_privacy_probe/refused")
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "plaintext_refused"
    assert resp.get_json()["error"]["details"] == {"fields": ["requester_phone"]}
    resp = client.get("/staff/api/v1/_privacy_probe/log")
    assert resp.status_code == 503
    assert resp.get_json()["error"]["message"] == "访问日志写入失败，个人信息明文不予返回"


def test_a_removed_head_of_a_non_empty_log_is_refused_not_recreated(app, make_order, staff):
    order = make_order()
    _, ctx = staff("agent")
    reveal(db.session, order, ["requester_phone"], ctx=ctx)
    db.session.commit()
    db.session.execute(text("DELETE FROM access_log_head"))
    db.session.commit()
    with pytest.raises(AccessLogError, match="head is missing"):
        reveal(db.session, order, ["requester_phone"], ctx=ctx)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 1
