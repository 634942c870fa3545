"""Demo orders for one phone, so that a newcomer can log in on /m/ with the demo phone and
see every kind of timeline: completed and ready to rate (with the unit's "after" photo),
reopened after an unsatisfied rating and in progress again, overdue (ready to 催办),
extended, returned and re-dispatched, confidential, answered directly, and one just
dispatched that no unit has accepted yet (ready to 撤回).

The orders go through the same intake and lifecycle services as real ones, replayed with
past times; requester data is invented. Staff reads of the demo phone's personal data are
recorded through the access layer, as the role matrix allows them, so that 我的数据 shows
which unit read the phone number, when and why.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import Channel, OrderKind, Resolution, Role, Satisfaction, TimeLimit
from hotline.models.orders import Order
from hotline.models.places import Street
from hotline.models.units import StaffUser, Unit
from hotline.services import intake, lifecycle
from hotline.services.actors import Actor
from hotline.services.citizen import photos
from hotline.services.citizen.auth import phone_bidx
from privacy import access
from privacy.accesslog import AccessContext
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
    first = order

    # 2. Completed, rated 未解决 + 不满意 with a request to reopen, in progress again
    #    inside its new time limit (the rating of the first round stays visible).
    order = _receive(
        c,
        phone,
        now - 6 * day,
        "路口的路灯坏了好几天，晚上很黑，希望尽快修好。",
        "路灯不亮",
        channel=Channel.MINIAPP,
    )
    t = _handle(c, order, now - 6 * day, ["已报市政路灯养护单位，排期维修"])
    lifecycle.complete(order, c.handler, "已更换灯泡，路灯恢复照明。", at=t + timedelta(hours=2))
    lifecycle.rate(
        order,
        Actor.citizen(bidx),
        Resolution.NO,
        Satisfaction.DISSATISFIED,
        comment="只亮了一个晚上又不亮了，线路的问题没有解决。",
        ask_reopen=True,
        at=now - 4 * day,
    )
    lifecycle.accept(order, c.handler, at=now - 3 * day)
    lifecycle.add_progress(
        order, c.handler, "已安排电力班组排查线路，更换老化电缆", at=now - 2 * day
    )
    in_progress = order

    # 3. Overdue: the time limit passed without completion.
    order = _receive(
        c, phone, now - 9 * day, "楼下饭馆油烟直排，家里窗户都不敢开，请查处。", "油烟扰民"
    )
    _handle(c, order, now - 9 * day, ["已约谈商户，要求加装油烟净化设备"])
    overdue = order

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

    # 8. Submitted on the mini-program an hour ago and dispatched, not accepted yet.
    waiting = _receive(
        c,
        phone,
        now - timedelta(hours=1),
        "小区南门外人行道上的井盖松动，踩上去会翻，夜里看不见很危险。",
        "道路破损",
        channel=Channel.MINIAPP,
    )
    lifecycle.dispatch(waiting, c.dispatcher, c.unit, at=now - timedelta(minutes=40))
    db.session.flush()
    _after_photo(c, first, first.events[-1])
    _reads(c, first, overdue, in_progress, now)
    return 8


def _after_photo(c: Cast, order: Order, event) -> None:
    """The unit's "after" photo on the completed order, through the photo pipeline."""
    image = Image.new("RGB", (960, 720), (196, 200, 204))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 480, 960, 720), fill=(120, 124, 128))  # the floor
    draw.rectangle((330, 120, 630, 600), fill=(170, 176, 184), outline=(60, 60, 60), width=8)
    draw.line((480, 120, 480, 600), fill=(60, 60, 60), width=6)  # the lift's doors
    draw.rectangle((660, 300, 700, 380), fill=(40, 120, 60))  # its call button, lit
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    photos.replay_staff_photo(order, event, c.handler, out.getvalue())


def _reads(c: Cast, first: Order, overdue: Order, in_progress: Order, now: datetime) -> None:
    """What staff read of the demo phone's data, each read one the role matrix allows: the
    handler of the unit calling about the overdue and the running order, the agent who
    recorded the completed one calling back."""
    day = timedelta(days=1)
    reads = (
        (c.handler, overdue, ("requester_phone",), "联系诉求人约定上门查看", now - 7 * day),
        (c.handler, in_progress, ("requester_phone",), "电话告知维修排期", now - day),
        (c.handler, overdue, ("requester_phone",), "联系诉求人说明整改进度", now - 2 * day),
        (
            c.agent,
            first,
            ("requester_name", "requester_phone"),
            "回访诉求人",
            now - timedelta(hours=3),
        ),
    )
    for actor, order, fields, purpose, at in sorted(reads, key=lambda r: r[4]):
        ctx = AccessContext.for_staff(
            actor.user_id, actor.role, actor.unit_id, purpose=purpose, occurred_at=at
        )
        access.reveal(db.session, order, list(fields), ctx=ctx.for_order(order.id, order.order_no))
