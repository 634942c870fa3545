"""What staff see of the pushes that failed: the dead letters (every attempt failed, or the
message could never be sent) and the uncertain ones (a worker died mid-send). Nothing
personal: the order number, the channel, the kind, whether it was the requester or a
follower, the attempts and the error code — never the phone, the openid or the text.

A supervisor may send a dead letter again once the cause is fixed (a gateway down for a
day, a template misconfigured), provided no other push of the same message went out: at
most one message per event and recipient still holds. Uncertain sends are never repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from hotline.errors import Conflict, NotFound
from hotline.extensions import db
from hotline.models.notifications import (
    WAITING_STATES,
    Delivery,
    DeliveryChannel,
    DeliveryState,
    InboxMessage,
    NotificationKind,
)
from hotline.models.orders import Order
from privacy.orm import utcnow

S = DeliveryState
LISTED = (S.DEAD, S.UNCERTAIN)
_OUT = (S.SENT, S.SENDING, S.UNCERTAIN, *WAITING_STATES)


@dataclass
class DeadLetter:
    id: int
    order_no: str
    channel: DeliveryChannel
    kind: NotificationKind
    state: DeliveryState
    recipient: str  # requester | follower
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


def listing(
    state: DeliveryState | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[DeadLetter], int]:
    states = (state,) if state else LISTED
    where = (Delivery.state.in_(states),)
    total = db.session.scalar(select(func.count(Delivery.id)).where(*where))
    rows = db.session.execute(
        select(Delivery, InboxMessage.kind, InboxMessage.following, Order.order_no)
        .join(InboxMessage, InboxMessage.id == Delivery.message_id)
        .join(Order, Order.id == InboxMessage.order_id)
        .where(*where)
        .order_by(Delivery.finished_at.desc(), Delivery.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        DeadLetter(
            id=d.id,
            order_no=order_no,
            channel=d.channel,
            kind=kind,
            state=d.state,
            recipient="follower" if following else "requester",
            attempts=d.attempts,
            last_error=d.last_error,
            created_at=d.created_at,
            finished_at=d.finished_at,
        )
        for d, kind, following, order_no in rows
    ]
    return items, total


def retry(delivery_id: int, now: datetime | None = None) -> Delivery:
    """Send a dead letter again (from the first attempt)."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("没有这条发送记录", code="delivery_not_found")
    if delivery.state != S.DEAD:
        raise Conflict("只有发送失败的消息可以重新发送", code="not_dead")
    other = db.session.scalar(
        select(Delivery.id).where(
            Delivery.message_id == delivery.message_id,
            Delivery.id != delivery.id,
            Delivery.state.in_(_OUT),
        )
    )
    if other is not None:
        raise Conflict("该消息已通过其他渠道发送，不再重复发送", code="sent_elsewhere")
    now = now or utcnow()
    delivery.state, delivery.attempts, delivery.due_at = S.RETRY, 0, now
    delivery.enqueued_at = delivery.claim_token = delivery.finished_at = None
    db.session.flush()
    return delivery
