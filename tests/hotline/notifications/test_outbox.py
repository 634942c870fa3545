"""The transactional outbox: an entry with every event a citizen should hear about, in the
same transaction, and none for a rolled-back step, internal steps or replayed history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.extensions import db
from hotline.models.enums import EventType
from hotline.models.notifications import NotificationKind as K
from hotline.models.notifications import OutboxEntry
from hotline.services import lifecycle
from privacy.orm import utcnow
from tests.hotline.notifications import support


def test_a_dispatch_writes_one_outbox_entry_with_its_event(app, world):
    order = support.new_order(world)
    assert support.outbox() == []  # receipt is the citizen's own act: no news

    support.dispatch(world, order)

    [entry] = support.outbox()
    assert entry.kind == K.DISPATCHED
    assert entry.event.type == EventType.DISPATCHED
    assert entry.order_id == order.id
    assert entry.fanned_out_at is None


def test_a_rolled_back_step_leaves_no_entry_and_sends_nothing(app, world, wechat_server):
    order = support.new_order(world)
    lifecycle.dispatch(order, support.actor(world, "dispatcher"), world.units["wangjing"])
    db.session.flush()
    assert db.session.query(OutboxEntry).count() == 1  # written in the same transaction
    db.session.rollback()

    assert support.outbox() == []
    support.drain(app)
    assert support.messages_of(order.phone_bidx) == []
    assert support.RecordingSender.sent == []
    assert wechat_server.count("subscribe") == 0


def test_a_staff_step_refused_by_the_api_writes_nothing(app, world, client, staff_headers):
    order = support.new_order(world)
    # A handler of another unit may not accept: 403, the request rolls back.
    support.dispatch(world, order)
    before = len(support.outbox())
    resp = client.post(
        f"/staff/api/v1/orders/{order.order_no}/accept", headers=staff_headers("h_jiuxianqiao")
    )
    assert resp.status_code == 403
    assert len(support.outbox()) == before


def test_internal_steps_notify_nobody(app, world):
    order = support.new_order(world)
    support.dispatch(world, order)
    handler = support.actor(world, "h_wangjing")
    lifecycle.accept(order, handler)
    lifecycle.add_progress(order, handler, "已联系物业", internal_note="内部")
    lifecycle.request_extension(
        order, handler, "配件到货需时", order.deadline_at + timedelta(days=3)
    )
    lifecycle.decide_extension(order, support.actor(world, "supervisor"), False, "理由不足")
    db.session.commit()

    kinds = [e.kind for e in support.outbox()]
    assert kinds == [K.DISPATCHED, K.ACCEPTED]  # progress and the refused extension: none


def test_every_step_a_citizen_hears_about(app, world):
    order = support.new_order(world)
    handler = support.actor(world, "h_wangjing")
    support.dispatch(world, order)
    lifecycle.accept(order, handler)
    lifecycle.contact_requester(order, handler, "已电话联系")
    lifecycle.request_extension(
        order, handler, "配件到货需时", order.deadline_at + timedelta(days=3)
    )
    lifecycle.decide_extension(order, support.actor(world, "supervisor"), True, "同意")
    lifecycle.complete(order, handler, "已更换电梯主板，恢复运行。")
    lifecycle.close(order, support.actor(world, "agent"))
    db.session.commit()

    assert [e.kind for e in support.outbox()] == [
        K.DISPATCHED,
        K.ACCEPTED,
        K.CONTACTED,
        K.EXTENDED,
        K.COMPLETED,
        K.CLOSED,
    ]


def test_a_joint_district_accepting_is_not_news(app, world):
    order = support.new_order(world)
    lifecycle.dispatch(
        order,
        support.actor(world, "dispatcher"),
        world.units["wangjing"],
        joint_unit=world.units["chaoyang_gov"],
    )
    lifecycle.accept(order, support.actor(world, "h_chaoyang_gov"))
    db.session.commit()
    assert [e.kind for e in support.outbox()] == [K.DISPATCHED]


@pytest.mark.parametrize("hours_ago", [2, 24 * 30])
def test_replayed_history_notifies_nobody(app, world, hours_ago):
    at = utcnow() - timedelta(hours=hours_ago)
    order = support.new_order(world, at=at - timedelta(minutes=5))
    lifecycle.dispatch(order, support.actor(world, "dispatcher"), world.units["wangjing"], at=at)
    db.session.commit()
    assert support.outbox() == []
