"""Notices to a handling unit: today, that a requester urged (催办) one of its orders.

The worker writes them from the outbox (``fanout``); every handler of the unit sees the
same list, and one of them marking a notice read marks it read for the unit. The title says
only the order number, the time and whether the order is overdue — nothing personal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from hotline.errors import NotFound
from hotline.extensions import db
from hotline.models.notifications import NotificationKind, UnitMessage
from hotline.models.orders import Order
from privacy.orm import utcnow


@dataclass(frozen=True)
class Notice:
    id: int
    order_no: str
    kind: NotificationKind
    title: str
    created_at: datetime
    read_at: datetime | None


def listing(
    unit_id: int, *, unread: bool = False, page: int = 1, per_page: int = 20
) -> tuple[list[Notice], int, int]:
    """One page of the unit's notices, newest first; the total and the unread count."""
    where = [UnitMessage.unit_id == unit_id]
    if unread:
        where.append(UnitMessage.read_at.is_(None))
    total = db.session.scalar(select(func.count(UnitMessage.id)).where(*where))
    unread_count = db.session.scalar(
        select(func.count(UnitMessage.id)).where(
            UnitMessage.unit_id == unit_id, UnitMessage.read_at.is_(None)
        )
    )
    rows = db.session.execute(
        select(UnitMessage, Order.order_no)
        .join(Order, Order.id == UnitMessage.order_id)
        .where(*where)
        .order_by(UnitMessage.created_at.desc(), UnitMessage.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        Notice(m.id, order_no, m.kind, m.title, m.created_at, m.read_at) for m, order_no in rows
    ]
    return items, total, unread_count


def mark_read(unit_id: int, ids: list[int] | None) -> int:
    """Mark the given notices (all unread ones when ``ids`` is None) read; how many changed.
    A notice of another unit is not found, whether or not it exists."""
    where = [UnitMessage.unit_id == unit_id, UnitMessage.read_at.is_(None)]
    if ids is not None:
        owned = set(
            db.session.scalars(
                select(UnitMessage.id).where(
                    UnitMessage.unit_id == unit_id, UnitMessage.id.in_(ids)
                )
            )
        )
        if missing := sorted(set(ids) - owned):
            raise NotFound("没有这条通知", details={"ids": missing})
        where.append(UnitMessage.id.in_(ids))
    result = db.session.execute(
        update(UnitMessage)
        .where(*where)
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
