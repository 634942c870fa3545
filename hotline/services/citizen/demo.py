"""Demo orders for one phone, so that a newcomer can log in on /m/ with the demo phone and
see every kind of timeline: completed and ready to rate, in progress, overdue, extended,
returned and re-dispatched, confidential, answered directly.

The orders go through the same intake and lifecycle services as real ones, replayed with
past times; requester data is invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import Channel, OrderKind, Resolution, Role, Satisfaction, TimeLimit
from hotline.models.orders import Order
from hotline.models.places import Street
from hotline.models.units import StaffUser, Unit
from hotline.services import intake, lifecycle
from hotline.services.actors import Actor
from hotline.services.citizen.auth import phone_bidx
from privacy.orm import utcnow

NAME = "张伟"


@dataclass
class Cast:
    agent: Actor
    dispatcher: Actor
    supervisor: Actor
    street: Street
    unit: Unit
    handler: Actor
    other_unit: Unit
    other_handler: Actor
    category: Category | None


class DemoUnavailable(RuntimeError):
    pass


def _staff(role: Role, unit: Unit | None = None) -> Actor | None:
    query = select(StaffUser).where(StaffUser.role == role, StaffUser.active.is_(True))
    if unit is not None:
        query = query.where(StaffUser.unit_id == unit.id)
    user = db.session.scalar(query.order_by(StaffUser.id).limit(1))
    return Actor.of(user) if user else None


def _street_units() -> list[tuple[Street, Unit, Actor]]:
    found = []
    units = db.session.scalars(
        select(Unit).where(Unit.street_id.is_not(None), Unit.active.is_(True)).order_by(Unit.id)
    )
    for unit in units:
        handler = _staff(Role.HANDLER, unit)
        if handler is not None:
            found.append((unit.street, unit, handler))
        if len(found) == 2:
            break
    return found


def cast() -> Cast:
    agent, dispatcher = _staff(Role.AGENT), _staff(Role.DISPATCHER)
    supervisor = _staff(Role.SUPERVISOR)
    streets = _street_units()
    if not (agent and dispatcher and supervisor) or len(streets) < 2:
        raise DemoUnavailable("reference data or demo staff missing: run `flask hotline seed`")
    category = db.session.scalar(
        select(Category)
        .where(Category.level == 3, Category.time_limit == TimeLimit.NORMAL)
        .order_by(Category.code)
        .limit(1)
    )
    (street, unit, handler), (_, other_unit, other_handler) = streets
    return Cast(
        agent, dispatcher, supervisor, street, unit, handler, other_unit, other_handler, category
    )


def _category(c: Cast, name: str | None) -> Category | None:
    if name is None:
        return None
    found = db.session.scalar(select(Category).where(Category.name == name, Category.level == 3))
    return found or c.category


def _receive(
    c: Cast, phone: str, at: datetime, content: str, category: str | None = None, **kw
) -> Order:
    result = intake.receive(
        c.agent,
        channel=kw.pop("channel", Channel.PHONE),
        kind=kw.pop("kind", OrderKind.COMPLAINT),
        district=c.street.district,
        street=c.street,
        category=_category(c, category),
        content=content,
        requester=intake.Requester(
            name=NAME,
            phone=phone,
            address=f"北京市{c.street.district.name}{c.street.name}幸福里小区3号楼2单元301",
        ),
        at=at,
        **kw,
    )
    db.session.flush()  # defaults (round, ...) are set on insert; the steps read them
    return result.order


def _handle(c: Cast, order: Order, at: datetime, notes: list[str]) -> datetime:
    """Dispatch to the street, accept, contact and record progress; returns the last time."""
    lifecycle.dispatch(order, c.dispatcher, c.unit, at=at + timedelta(minutes=20))
    lifecycle.accept(order, c.handler, at=at + timedelta(hours=1))
    lifecycle.contact_requester(
        order, c.handler, "已电话联系诉求人，约定上门查看", at=at + timedelta(hours=3)
    )
    t = at + timedelta(hours=3)
    for i, note in enumerate(notes, start=1):
        t = at + timedelta(hours=3 + 20 * i)
        lifecycle.add_progress(
            order, c.handler, note, internal_note="内部：已协调物业经理，费用由维修基金列支", at=t
        )
    return t


def create_demo_orders(phone: str, now: datetime | None = None) -> int:
    """Create the demo orders for ``phone`` unless it already has orders; returns how many."""
    bidx = phone_bidx(phone)
    if db.session.scalar(select(func.count(Order.id)).where(Order.phone_bidx == bidx)):
        return 0
    c = cast()
    now = now or utcnow()
    day = timedelta(days=1)

    # 1. Completed yesterday: ready to rate.
    order = _receive(
        c, phone, now - 5 * day, "小区3号楼电梯频繁停运，已经一周了，老人上下楼困难。", "电梯维修"
    )
    t = _handle(c, order, now - 5 * day, ["已联系电梯维保单位现场检修", "更换控制板，试运行正常"])
    lifecycle.complete(
        order,
        c.handler,
        "经核实，电梯控制板老化导致停运，已更换并通过检测，恢复正常运行。",
        at=max(t, now - day),
    )

    # 2. In progress, inside its time limit.
    order = _receive(
        c,
        phone,
        now - 2 * day,
        "路口的路灯坏了好几天，晚上很黑，希望尽快修好。",
        "路灯不亮",
        channel=Channel.MINIAPP,
    )
    _handle(c, order, now - 2 * day, ["已报市政路灯养护单位，排期维修"])

    # 3. Overdue: the time limit passed without completion.
    order = _receive(
        c, phone, now - 9 * day, "楼下饭馆油烟直排，家里窗户都不敢开，请查处。", "油烟扰民"
    )
    _handle(c, order, now - 9 * day, ["已约谈商户，要求加装油烟净化设备"])

    # 4. Extended: the unit asked for more time, the supervisor approved.
    order = _receive(
        c,
        phone,
        now - 6 * day,
        "小区东门外道路塌陷一个大坑，雨天积水严重，存在安全隐患。",
        "道路破损",
        kind=OrderKind.HELP,
    )
    t = _handle(c, order, now - 6 * day, ["已设置围挡，需协调路政部门施工"])
    lifecycle.request_extension(
        order, c.handler, "需路政部门审批后施工，时间较长", now + 8 * day, at=t + timedelta(hours=2)
    )
    lifecycle.decide_extension(order, c.supervisor, True, "同意延期", at=t + timedelta(hours=4))

    # 5. Returned by a unit as not its business, then re-dispatched.
    order = _receive(
        c, phone, now - 3 * day, "建议在社区增设快递柜，方便居民取件。", kind=OrderKind.SUGGESTION
    )
    at = now - 3 * day
    lifecycle.dispatch(order, c.dispatcher, c.other_unit, at=at + timedelta(minutes=30))
    lifecycle.return_order(
        order, c.other_handler, "该地址不在本街道辖区", at=at + timedelta(hours=2)
    )
    lifecycle.dispatch(order, c.dispatcher, c.unit, at=at + timedelta(hours=3))
    lifecycle.accept(order, c.handler, at=at + timedelta(hours=5))

    # 6. Confidential, completed, followed up and rated three weeks ago.
    order = _receive(
        c,
        phone,
        now - 25 * day,
        "举报小区内有群租房，人员混杂。",
        "群租房",
        kind=OrderKind.TIP_OFF,
        confidential=True,
    )
    t = _handle(c, order, now - 25 * day, ["已会同派出所检查，责令整改"])
    lifecycle.complete(order, c.handler, "经查属实，已督促房东整改并恢复原状。", at=t + day)
    lifecycle.follow_up(order, c.agent, Resolution.YES, Satisfaction.SATISFIED, at=t + 2 * day)
    lifecycle.close(order, c.agent, at=t + 3 * day)

    # 7. A consultation answered on the phone.
    order = _receive(
        c,
        phone,
        now - 12 * day,
        "咨询居住证办理需要哪些材料。",
        "居住证办理",
        kind=OrderKind.CONSULTATION,
    )
    lifecycle.answer_directly(
        order,
        c.agent,
        "请携带身份证、租房合同或房产证明到社区服务站办理，也可在网上预约。",
        at=now - 12 * day + timedelta(minutes=5),
    )
    db.session.flush()
    return 7
