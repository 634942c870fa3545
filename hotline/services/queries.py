"""The staff work lists: the orders a caller may see (``visibility``), filtered and sorted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from hotline.extensions import db
from hotline.models.enums import OrderStatus
from hotline.models.orders import Order
from hotline.services import deadlines, visibility
from hotline.services.actors import Actor
from privacy.orm import utcnow


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
    scope: str = "current"  # a handler's "all" adds the orders the unit handled before


def _filtered(actor: Actor, f: OrderFilter, now: datetime) -> Select:
    query = select(Order).where(visibility.staff_list_clause(actor, scope=f.scope))
    if f.unit_id is not None and actor.role in visibility.CENTRE_ROLES:
        query = query.where(visibility.unit_clause(f.unit_id, scope=f.scope))
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
