"""``flask jobs demo-step``: a staff step on the demo phone's order, through the same
lifecycle services as the staff API, so that a newcomer sees a notification arrive."""

from __future__ import annotations

from sqlalchemy import select

from hotline.extensions import db
from hotline.models.enums import OrderStatus, Role
from hotline.models.orders import Order
from hotline.models.units import StaffUser, Unit
from hotline.services import lifecycle
from hotline.services.actors import Actor
from hotline.services.citizen.auth import phone_bidx
from privacy.masking import mask_phone

OPEN = (OrderStatus.RECEIVED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED)


class DemoUnavailable(RuntimeError):
    pass


def _staff(role: Role, unit_id: int | None = None) -> Actor:
    query = select(StaffUser).where(StaffUser.role == role, StaffUser.active.is_(True))
    if unit_id is not None:
        query = query.where(StaffUser.unit_id == unit_id)
    user = db.session.scalars(query.order_by(StaffUser.id).limit(1)).first()
    if user is None:
        raise DemoUnavailable(f"no demo staff with role {role.value}; run `flask hotline seed`")
    return Actor.of(user)


def _street_unit(order: Order) -> Unit | None:
    if order.street_id is None:
        return None
    return db.session.scalars(
        select(Unit).where(Unit.street_id == order.street_id, Unit.active.is_(True)).limit(1)
    ).first()


def next_step(phone: str) -> str:
    """Dispatch, accept, contact or complete the phone's newest open order."""
    order = db.session.scalars(
        select(Order)
        .where(Order.phone_bidx == phone_bidx(phone), Order.status.in_(OPEN))
        .order_by(Order.received_at.desc(), Order.id.desc())
        .limit(1)
    ).first()
    if order is None:
        raise DemoUnavailable(
            f"{mask_phone(phone)} has no open order: submit one on /m/ (提交诉求) first"
        )
    if order.status == OrderStatus.RECEIVED:
        unit = _street_unit(order)
        if unit is None:
            raise DemoUnavailable(f"order {order.order_no} has no street unit to dispatch to")
        lifecycle.dispatch(order, _staff(Role.DISPATCHER), unit)
        return f"{order.order_no}: 派单 → {unit.name}"
    handler = _staff(Role.HANDLER, order.lead_unit_id)
    if order.status == OrderStatus.DISPATCHED:
        lifecycle.accept(order, handler)
        return f"{order.order_no}: 签收"
    if order.contacted_at is None:
        lifecycle.contact_requester(order, handler, "已电话联系诉求人，约定上门查看")
        return f"{order.order_no}: 联系诉求人"
    lifecycle.complete(order, handler, "经现场核实，问题已处理完毕，感谢您的监督。")
    return f"{order.order_no}: 办结"
