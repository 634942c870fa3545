"""Helpers for the citizen API tests: a capturing SMS sender, login, and orders in every
state, driven through the real intake and lifecycle services."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline.extensions import db
from hotline.models.enums import Channel, OrderKind
from hotline.models.orders import Order
from hotline.services import intake, lifecycle
from hotline.services.actors import Actor
from privacy.orm import utcnow

API = "/api/v1"
PHONE = "13812345678"
OTHER_PHONE = "13987654321"
OUTBOX: list[tuple[str, str]] = []
INTERNAL = "内部备注：该户曾多次投诉，注意沟通方式"


class CapturingSender:
    """An SMS gateway for tests: remembers what it would have sent."""

    def __init__(self, app):
        self.app = app

    def send(self, phone: str, code: str, ttl_minutes: int) -> None:
        OUTBOX.append((phone, code))


class FailingSender(CapturingSender):
    def send(self, phone: str, code: str, ttl_minutes: int) -> None:
        raise ConnectionError("gateway down")


def last_code(phone: str = PHONE) -> str:
    return next(code for p, code in reversed(OUTBOX) if p == phone)


def request_code(client, phone: str = PHONE, **kw):
    return client.post(f"{API}/auth/sms-code", json={"phone": phone}, **kw)


def login(client, phone: str = PHONE) -> dict:
    resp = request_code(client, phone)
    assert resp.status_code == 200, resp.get_json()
    resp = client.post(f"{API}/auth/token", json={"phone": phone, "code": last_code(phone)})
    assert resp.status_code == 201, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def _actor(world, name: str) -> Actor:
    return Actor.of(world.users[name])


def make_order(
    world,
    phone: str | None = PHONE,
    *,
    state: str = "completed",
    at: datetime | None = None,
    confidential: bool = False,
    content: str = "望京西园三区5号楼电梯停运三天，物业一直不修，老人上下楼很困难。",
    name: str = "欧阳娜娜",
    progress_note: str = "已联系物业，电梯维保单位明日上门",
    completed_days_ago: float | None = None,
    street: str = "wangjing",
) -> Order:
    """An order of ``phone`` walked to ``state``: received, accepted, overdue, extended,
    returned, completed (default) or answered."""
    if at is None:
        at = utcnow() - timedelta(days=3 + (completed_days_ago or 0))
    agent, dispatcher = _actor(world, "agent"), _actor(world, "dispatcher")
    handler = _actor(world, "h_wangjing")
    result = intake.receive(
        agent,
        channel=Channel.PHONE,
        kind=OrderKind.COMPLAINT,
        district=world.districts["chaoyang"],
        street=world.streets[street],
        community=world.communities["wangjing_xiyuan"] if street == "wangjing" else None,
        category=world.categories["lift"],
        content=content,
        requester=intake.Requester(
            name=name, phone=phone, id_number=None, address="北京市朝阳区望京街道望京西园三区5号楼"
        ),
        confidential=confidential,
        at=at,
    )
    order = result.order
    db.session.flush()
    t = at + timedelta(minutes=10)
    if state == "received":
        db.session.commit()
        return order
    if state == "answered":
        lifecycle.answer_directly(order, agent, "请拨打物业服务电话报修。", at=t)
        db.session.commit()
        return order
    if state == "returned":
        lifecycle.dispatch(order, dispatcher, world.units["jiuxianqiao"], at=t)
        lifecycle.return_order(
            order, _actor(world, "h_jiuxianqiao"), "不属于本街道辖区", at=t + timedelta(hours=1)
        )
        lifecycle.dispatch(order, dispatcher, world.units["wangjing"], at=t + timedelta(hours=2))
        db.session.commit()
        return order
    lifecycle.dispatch(order, dispatcher, world.units["wangjing"], at=t)
    lifecycle.accept(order, handler, at=t + timedelta(hours=1))
    lifecycle.contact_requester(order, handler, "已电话联系诉求人", at=t + timedelta(hours=2))
    lifecycle.add_progress(
        order, handler, progress_note, internal_note=INTERNAL, at=t + timedelta(hours=3)
    )
    if state == "extended":
        lifecycle.request_extension(
            order,
            handler,
            "需更换主板，配件到货需时",
            order.deadline_at + timedelta(days=5),
            at=t + timedelta(hours=4),
        )
        lifecycle.decide_extension(
            order, _actor(world, "supervisor"), True, "同意", at=t + timedelta(hours=5)
        )
    if state == "completed":
        done = (
            utcnow() - timedelta(days=completed_days_ago)
            if completed_days_ago is not None
            else t + timedelta(hours=5)
        )
        lifecycle.complete(
            order, handler, "已更换电梯主板，恢复运行。", at=max(done, t + timedelta(hours=4))
        )
    db.session.commit()
    return order
