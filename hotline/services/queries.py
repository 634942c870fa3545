"""Reading orders for staff: who may see which order, and the filtered work lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from hotline.errors import Forbidden, NotFound
from hotline.extensions import db
from hotline.models.enums import AssignmentState, OrderStatus, Role
from hotline.models.orders import Assignment, Order, OrderEvent
from hotline.services import deadlines
from hotline.services.actors import Actor
from privacy.orm import utcnow

CENTRE_ROLES = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.PRIVACY_OFFICER)
LIVE_STATES = (AssignmentState.PENDING, AssignmentState.ACCEPTED, AssignmentState.DISPUTED)


def load_order(order_no: str) -> Order:
    order = db.session.scalar(
        select(Order)
        .where(Order.order_no == order_no)
        .options(
            selectinload(Order.events).selectinload(OrderEvent.actor),
            selectinload(Order.assignments).selectinload(Assignment.unit),
            selectinload(Order.ratings),
        )
    )
    if order is None:
        raise NotFound("工单不存在", code="order_not_found")
    return order


def ensure_can_view(order: Order, actor: Actor) -> None:
    """Hotline centre staff see every order; a unit sees the orders it was given."""
    if actor.role in CENTRE_ROLES:
        return
    if actor.role == Role.HANDLER and any(a.unit_id == actor.unit_id for a in order.assignments):
        return
    raise Forbidden("该工单未派给您所在的单位", code="not_your_unit")


@dataclass
class OrderFilter:
    status: list[OrderStatus] | None = None
    overdue: bool | None = None
    district_id: int | None = None
    unit_id: int | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    page: int = 1
    per_page: int = 20


def _filtered(actor: Actor, f: OrderFilter, now: datetime) -> Select:
    query = select(Order)
    unit_id = actor.unit_id if actor.role == Role.HANDLER else f.unit_id
    if actor.role not in CENTRE_ROLES and actor.role != Role.HANDLER:
        raise Forbidden("您的角色无权查看工单列表", code="role_forbidden")
    if unit_id is not None:
        live = select(Assignment.order_id).where(
            Assignment.unit_id == unit_id, Assignment.state.in_(LIVE_STATES)
        )
        query = query.where(Order.id.in_(live))
    if f.status:
        query = query.where(Order.status.in_(f.status))
    if f.overdue is not None:
        clause = deadlines.overdue_clause(now)
        query = query.where(clause if f.overdue else ~clause)
    if f.district_id is not None:
        query = query.where(Order.district_id == f.district_id)
    if f.received_from is not None:
        query = query.where(Order.received_at >= f.received_from)
    if f.received_to is not None:
        query = query.where(Order.received_at < f.received_to)
    return query


def list_orders(actor: Actor, f: OrderFilter) -> tuple[list[Order], int]:
    """A work list: overdue first, then the nearest deadline first."""
    now = utcnow()
    query = _filtered(actor, f, now)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(selectinload(Order.lead_unit))
        .order_by(deadlines.overdue_sort_key(now), Order.deadline_at, Order.id)
        .limit(f.per_page)
        .offset((f.page - 1) * f.per_page)
    ).all()
    return list(rows), total
