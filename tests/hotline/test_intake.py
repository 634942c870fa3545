"""Intake and repeat merging at the service level; citizen ratings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.errors import Conflict, Invalid
from hotline.extensions import db
from hotline.models.enums import Channel, OrderKind, OrderStatus, Resolution, Satisfaction
from hotline.models.orders import Order
from hotline.services import lifecycle
from hotline.services.actors import Actor
from hotline.services.intake import Requester, receive
from privacy.orm import utcnow

TEXT = "小区东门的路灯坏了两个星期，晚上回家很黑，希望尽快修好。"


def _receive(world, content=TEXT, phone="13900001111", street="wangjing", at=None):
    return receive(
        Actor.of(world.users["agent"]),
        channel=Channel.PHONE,
        kind=OrderKind.COMPLAINT,
        district=world.districts["chaoyang"],
        street=world.streets[street],
        content=content,
        requester=Requester(name="司马光明", phone=phone),
        at=at,
    )


def _count():
    return db.session.scalar(select(func.count(Order.id)))


def test_repeat_is_merged_and_counted_once(world):
    first = _receive(world)
    again = _receive(
        world,
        content="小区东门路灯坏了两个星期了，晚上回家很黑，希望尽快修好！",
        phone="+86 139-0000-1111",
    )
    assert again.merged
    assert again.order is first.order
    assert again.query_code is None
    assert first.order.repeat_count == 1
    assert _count() == 1


@pytest.mark.parametrize("change", ["other_phone", "other_street", "other_text", "too_late"])
def test_what_is_not_a_repeat(world, change):
    first = _receive(world)
    kwargs = {
        "other_phone": {"phone": "13900002222"},
        "other_street": {"street": "jiuxianqiao"},
        "other_text": {"content": "楼下饭店油烟太大，窗户都不敢开，请相关部门管一管。"},
        "too_late": {"at": first.order.received_at + timedelta(hours=73)},
    }[change]
    second = _receive(world, **kwargs)
    assert not second.merged
    assert _count() == 2


def test_closed_orders_take_no_repeats(world):
    first = _receive(world)
    lifecycle.answer_directly(first.order, Actor.of(world.users["agent"]), "已告知报修电话")
    assert not _receive(world).merged


def test_merge_window_is_configuration(make_app, world):
    # The `world` belongs to the default app; a second app with a 1-hour window shares the
    # database, so the same rows serve both.
    app = make_app(MERGE_WINDOW_HOURS=1)
    with app.app_context():
        agent = db.session.merge(world.users["agent"])
        district = db.session.merge(world.districts["chaoyang"])
        street = db.session.merge(world.streets["wangjing"])
        at = utcnow()

        def submit(when):
            return receive(
                Actor.of(agent),
                channel=Channel.PHONE,
                kind=OrderKind.HELP,
                district=district,
                street=street,
                content=TEXT,
                requester=Requester(phone="13900001111"),
                at=when,
            )

        submit(at - timedelta(hours=2))
        assert not submit(at).merged
        assert submit(at + timedelta(minutes=30)).merged


def test_empty_content_and_bad_id_number_are_refused(world):
    with pytest.raises(Invalid, match="请填写诉求内容"):
        _receive(world, content="   ")
    with pytest.raises(Invalid, match="身份证号码格式不正确"):
        receive(
            Actor.of(world.users["agent"]),
            channel=Channel.PHONE,
            kind=OrderKind.HELP,
            district=world.districts["chaoyang"],
            content=TEXT,
            requester=Requester(id_number="11010519800101"),
        )


def _completed(world):
    order = _receive(world).order
    dispatcher, handler = Actor.of(world.users["dispatcher"]), Actor.of(world.users["h_wangjing"])
    lifecycle.dispatch(order, dispatcher, world.units["wangjing"])
    lifecycle.accept(order, handler)
    lifecycle.complete(order, handler, "路灯已更换")
    return order


def test_citizen_rates_once_per_completion(world):
    order = _completed(world)
    citizen = Actor.citizen(order.phone_bidx)
    lifecycle.rate(order, citizen, Resolution.NO, Satisfaction.DISSATISFIED, ask_reopen=True)
    assert order.status == OrderStatus.DISPATCHED
    assert order.round == 2
    handler = Actor.of(world.users["h_wangjing"])
    lifecycle.accept(order, handler)
    lifecycle.complete(order, handler, "再次更换")
    with pytest.raises(Conflict, match="已申请过重新办理"):
        lifecycle.rate(order, citizen, Resolution.NO, Satisfaction.DISSATISFIED, ask_reopen=True)
    lifecycle.rate(order, citizen, Resolution.PARTLY, Satisfaction.BASICALLY)
    with pytest.raises(Conflict, match="不能重复评价"):
        lifecycle.rate(order, citizen, Resolution.YES, Satisfaction.SATISFIED)


def test_rating_window_closes(world):
    order = _completed(world)
    with pytest.raises(Conflict, match="已超过评价期限"):
        lifecycle.rate(
            order,
            Actor.citizen(),
            Resolution.YES,
            Satisfaction.SATISFIED,
            at=order.completed_at + timedelta(days=8),
        )
