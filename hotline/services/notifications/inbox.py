"""The in-app inbox: every notification lands here, whatever else delivered it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from hotline.extensions import db
from hotline.models.notifications import KIND_LABELS, InboxMessage, NotificationKind
from hotline.models.orders import Order
from privacy.access import masked
from privacy.orm import utcnow


@dataclass
class MessageView:
    id: int
    order_no: str
    kind: NotificationKind
    kind_label: str
    title: str
    body: str | None
    following: bool
    created_at: datetime
    read_at: datetime | None


@dataclass
class MessagePage:
    items: list[MessageView]
    page: int
    per_page: int
    total: int
    unread: int


def unread_count(phone_bidx: str) -> int:
    return db.session.scalar(
        select(func.count(InboxMessage.id)).where(
            InboxMessage.phone_bidx == phone_bidx, InboxMessage.read_at.is_(None)
        )
    )


def messages(
    phone_bidx: str, page: int = 1, per_page: int = 20, unread_only: bool = False
) -> MessagePage:
    """The phone's messages, newest first, with the number not yet read."""
    where = [InboxMessage.phone_bidx == phone_bidx]
    if unread_only:
        where.append(InboxMessage.read_at.is_(None))
    total = db.session.scalar(select(func.count(InboxMessage.id)).where(*where))
    rows = db.session.execute(
        select(InboxMessage, Order.order_no)
        .join(Order, Order.id == InboxMessage.order_id)
        .where(*where)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        MessageView(
            id=m.id,
            order_no=order_no,
            kind=m.kind,
            kind_label=KIND_LABELS[m.kind],
            title=m.title,
            body=masked(m, ("body",))["body"],
            following=m.following,
            created_at=m.created_at,
            read_at=m.read_at,
        )
        for m, order_no in rows
    ]
    return MessagePage(items, page, per_page, total, unread_count(phone_bidx))


def mark_read(
    phone_bidx: str, ids: list[int] | None = None, now: datetime | None = None
) -> tuple[int, int]:
    """Mark the given messages (all, without ids) read; ids of other phones are ignored.
    Returns how many changed and how many are still unread."""
    where = [InboxMessage.phone_bidx == phone_bidx, InboxMessage.read_at.is_(None)]
    if ids is not None:
        where.append(InboxMessage.id.in_(ids))
    changed = db.session.execute(
        update(InboxMessage)
        .where(*where)
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed, unread_count(phone_bidx)
