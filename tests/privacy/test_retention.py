"""Retention: personal data of long-closed orders is erased; statistics stay; it is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.enums import (
    EventType,
    OrderStatus,
    RatingSource,
    Resolution,
    Satisfaction,
)
from hotline.models.orders import Order, OrderEvent, Rating
from hotline.services.actors import SYSTEM
from hotline.services.lifecycle import append_event
from hotline.services.retention import cutoff_for, erase_expired
from privacy.accesslog import verify_chain
from privacy.catalog import columns
from privacy.fields import seal_field
from privacy.models import AccessLogEntry
from privacy.orm import utcnow


@pytest.fixture
def orders(app, make_order, cipher):
    now = utcnow()

    def closed(order, days_ago):
        order.status = OrderStatus.CLOSED
        order.closed_at = now - timedelta(days=days_ago)
        event = append_event(order, EventType.PROGRESS, SYSTEM, public_note="已处理")
        seal_field(cipher, event, "internal_note", "诉求人电话13812345678，下午联系")
        rating = Rating(
            round=1,
            source=RatingSource.CITIZEN,
            resolution=Resolution.YES,
            satisfaction=Satisfaction.SATISFIED,
        )
        order.ratings.append(rating)
        seal_field(cipher, rating, "comment", "处理及时，谢谢王师傅")
        return order

    made = {
        "old": closed(make_order(), 4 * 365),
        "older": closed(make_order({"phone": "13900001111"}, content="噪音扰民"), 6 * 365),
        "recent": closed(make_order({"phone": "13900002222"}, content="路灯不亮"), 30),
        "old_open": make_order({"phone": "13900003333"}, content="电梯故障"),
    }
    made["old_open"].received_at = now - timedelta(days=5 * 365)
    db.session.commit()
    return {k: v.id for k, v in made.items()}


def _stats():
    return (
        db.session.scalar(select(func.count(Order.id))),
        db.session.scalar(select(func.count(OrderEvent.id))),
        db.session.execute(
            select(Rating.satisfaction, func.count()).group_by(Rating.satisfaction)
        ).all(),
        db.session.execute(
            select(Order.kind, Order.channel, Order.district_id, func.count()).group_by(
                Order.kind, Order.channel, Order.district_id
            )
        ).all(),
    )


def test_erases_only_orders_closed_before_the_cutoff(orders, ring):
    before = _stats()
    result = erase_expired(db.session, years=3)
    assert result.erased == 2
    assert _stats() == before  # statistics intact

    for key in ("old", "older"):
        order = db.session.get(Order, orders[key])
        assert all(getattr(order, name) is None for name in columns("orders"))
        assert order.phone_bidx is None
        assert order.content_simhash is None
        assert order.personal_erased_at is not None
        assert order.closed_at is not None
        assert order.received_at is not None
        assert all(e.internal_note is None for e in order.events)
        assert all(r.comment is None for r in order.ratings)
        assert all(e.public_note is None and e.reason is None for e in order.events)
        assert order.ratings[0].satisfaction == Satisfaction.SATISFIED
    for key in ("recent", "old_open"):
        order = db.session.get(Order, orders[key])
        assert order.requester_phone is not None
        assert order.personal_erased_at is None

    entries = db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.seq)).all()
    assert [(e.action, e.order_id) for e in entries] == [
        ("erase", orders["old"]),
        ("erase", orders["older"]),
    ]
    assert entries[0].purpose == "retention erasure"
    assert entries[0].actor == "system:retention"
    assert "orders.requester_phone" in entries[0].fields
    assert verify_chain(db.session, ring).ok

    assert erase_expired(db.session, years=3).erased == 0  # idempotent


def test_retention_period_is_configurable(orders):
    assert erase_expired(db.session, years=5).erased == 1
    assert erase_expired(db.session, years=1).erased == 1
    with pytest.raises(ValueError, match="at least one year"):
        erase_expired(db.session, years=0)


def test_cli_dry_run_then_erase(orders, runner):
    result = runner.invoke(args=["retention", "erase", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would erase personal data of 2 orders" in result.output
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0
    result = runner.invoke(args=["retention", "erase", "--years", "5"])
    assert result.exit_code == 0, result.output
    assert "erased personal data of 1 orders" in result.output


def test_cutoff_handles_leap_day():
    from datetime import UTC, datetime

    assert cutoff_for(3, datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2025, 2, 28, tzinfo=UTC)


def _backdate(order, days_ago: int) -> None:
    """Move an order and all its events ``days_ago`` into the past (events are append-only
    for the services; a test may rewrite their times with SQL)."""
    at = utcnow() - timedelta(days=days_ago)
    order.received_at = at
    db.session.flush()
    db.session.execute(
        OrderEvent.__table__.update()
        .where(OrderEvent.__table__.c.order_id == order.id)
        .values(occurred_at=at)
    )


def test_answered_or_completed_orders_left_unarchived_are_erased_too(app, make_order):
    answered = make_order({"phone": "13900004444"}, content="咨询供暖时间")
    answered.status = OrderStatus.ANSWERED
    completed = make_order({"phone": "13900005555"}, content="井盖缺失")
    completed.status = OrderStatus.COMPLETED
    completed.completed_at = utcnow() - timedelta(days=4 * 365)
    touched = make_order({"phone": "13900006666"}, content="楼道堆物")
    touched.status = OrderStatus.COMPLETED
    handling = make_order({"phone": "13900007777"}, content="违章建筑")
    handling.status = OrderStatus.ACCEPTED
    for order in (answered, completed, touched, handling):
        _backdate(order, 4 * 365)
    append_event(touched, EventType.FOLLOWED_UP, SYSTEM, public_note="回访：已解决")
    db.session.commit()

    assert erase_expired(db.session, years=3, dry_run=True).erased == 2
    assert erase_expired(db.session, years=3).erased == 2
    for order, erased in ((answered, True), (completed, True), (touched, False), (handling, False)):
        db.session.refresh(order)
        assert (order.requester_phone is None) is erased, order.status
        assert (order.personal_erased_at is not None) is erased


def test_idle_citizen_profiles_and_login_leftovers_go(app, cipher, ring, runner):
    from hotline.models.citizen import CitizenProfile, CitizenTokenRevocation, SmsCode

    now = utcnow()

    def profile(bidx: str, phone: str, days_ago: int) -> CitizenProfile:
        row = CitizenProfile(phone_bidx=bidx, created_at=now - timedelta(days=days_ago))
        row.last_login_at = now - timedelta(days=days_ago)
        seal_field(cipher, row, "phone", phone)
        db.session.add(row)
        return row

    idle = profile("idle", "13900008888", 4 * 365)
    profile("active", "13900009999", 3)
    old = now - timedelta(days=2)
    db.session.add_all(
        [
            SmsCode(phone_bidx="active", code_hash="0" * 64, created_at=old, expires_at=old),
            SmsCode(phone_bidx="active", code_hash="1" * 64, expires_at=now + timedelta(minutes=5)),
            CitizenTokenRevocation(token_id="gone", expires_at=now - timedelta(hours=1)),
            CitizenTokenRevocation(token_id="live", expires_at=now + timedelta(hours=1)),
        ]
    )
    db.session.commit()
    idle_uuid = idle.uuid

    result = runner.invoke(args=["retention", "erase", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would erase 1 citizen profiles" in result.output
    assert "would erase 2 expired login codes and token revocations" in result.output
    assert db.session.scalar(select(func.count(CitizenProfile.id))) == 2

    result = runner.invoke(args=["retention", "erase"])
    assert result.exit_code == 0, result.output
    assert "erased 1 citizen profiles" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(CitizenProfile.phone_bidx)).all() == ["active"]
    assert db.session.scalar(select(func.count(SmsCode.id))) == 1
    assert db.session.scalars(select(CitizenTokenRevocation.token_id)).all() == ["live"]
    entry = db.session.scalars(select(AccessLogEntry)).one()
    assert entry.action == "erase"
    assert entry.records == f"citizen_profiles:{idle_uuid}"
    assert verify_chain(db.session, ring).ok


def test_notifications_go_with_the_erased_order_and_the_idle_phone(app, make_order, cipher):
    from hotline.models.citizen import CitizenProfile
    from hotline.models.notifications import (
        Delivery,
        DeliveryChannel,
        DeliveryState,
        InboxMessage,
        NotificationKind,
        NotificationPreference,
        OrderFollow,
        OutboxEntry,
        SubscriptionConsent,
        WeChatBinding,
        WeChatTicket,
    )

    now = utcnow()
    long_ago = now - timedelta(days=4 * 365)

    def message(order, phone_bidx: str) -> InboxMessage:
        event = append_event(order, EventType.PROGRESS, SYSTEM)
        db.session.flush()
        entry = OutboxEntry(event=event, order=order, kind=NotificationKind.COMPLETED)
        row = InboxMessage(
            outbox_id=0,
            order_id=order.id,
            phone_bidx=phone_bidx,
            kind=NotificationKind.COMPLETED,
            title="工单已办结",
        )
        db.session.add(entry)
        db.session.flush()
        row.outbox_id = entry.id
        seal_field(cipher, row, "body", "您的工单已办结：已更换电梯主板。")
        db.session.add(row)
        db.session.add(Delivery(message=row, channel=DeliveryChannel.SMS, state=DeliveryState.SENT))
        return row

    old = make_order({"phone": "13900006666"}, content="电梯停运")
    old.status, old.closed_at = OrderStatus.CLOSED, long_ago
    live = make_order({"phone": "13900007777"}, content="路灯不亮")
    follow = OrderFollow(order_id=old.id, phone_bidx="neighbour")
    seal_field(cipher, follow, "phone", "13900005555")
    db.session.add(follow)
    message(old, "requester")
    message(live, "active")
    message(live, "idle")  # an idle phone's inbox goes even while the order stays

    for bidx, days in (("idle", 4 * 365), ("active", 3)):
        profile = CitizenProfile(phone_bidx=bidx, created_at=now - timedelta(days=days))
        profile.last_login_at = now - timedelta(days=days)
        binding = WeChatBinding(openid_bidx=f"o-{bidx}", phone_bidx=bidx)
        seal_field(cipher, binding, "openid", f"openid-{bidx}")
        db.session.add_all(
            [
                profile,
                binding,
                SubscriptionConsent(openid_bidx=f"o-{bidx}", template_id="t", remaining=1),
                NotificationPreference(phone_bidx=bidx, wechat=True, sms=False, muted_kinds=[]),
            ]
        )
    db.session.add(
        WeChatTicket(ticket_id="stale", openid_bidx="o-x", expires_at=now - timedelta(days=2))
    )
    db.session.commit()

    result = erase_expired(db.session, years=3)
    assert (result.erased, result.profiles) == (1, 1)

    db.session.expire_all()
    assert db.session.scalars(select(InboxMessage.phone_bidx)).all() == ["active"]
    assert db.session.scalar(select(func.count(Delivery.id))) == 1
    assert db.session.scalar(select(func.count(OrderFollow.id))) == 0
    assert db.session.scalars(select(WeChatBinding.phone_bidx)).all() == ["active"]
    assert db.session.scalars(select(SubscriptionConsent.openid_bidx)).all() == ["o-active"]
    assert db.session.scalars(select(NotificationPreference.phone_bidx)).all() == ["active"]
    assert db.session.scalar(select(func.count(WeChatTicket.id))) == 0
    # The outbox says nothing personal and stays (the statistics of sends keep their rows).
    assert db.session.scalar(select(func.count(OutboxEntry.id))) == 3
    entries = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.action == "erase")
    ).all()
    fields = " ".join(e.fields for e in entries)
    assert "inbox_messages.body" in fields
    assert "wechat_bindings.openid" in fields
