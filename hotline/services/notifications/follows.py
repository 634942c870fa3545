"""Following an order (重复件): a phone whose request was merged into another phone's earlier
order follows that order — it is listed in their 我的工单, they see its public timeline and
they get its notifications — until they stop following it.

Who rates a merged order: its requester, as before, once per completion round; the three
rates count one rating per order and round, so a merge never adds votes. A follower does
not rate: the follower's view offers no rating and the hotline's follow-up call (回访)
remains with the requester. A follower's feedback is kept where it already is: their own
submission, the ``merged_repeat`` event on the order's timeline (counted in
``repeat_count``); a follower still dissatisfied once the order is closed submits again,
and that is recorded as a new request.

A follower's view of the order (``follower_view``) leaves out everything about the
requester: the requester block, the request text and its summary, the requester's own
rating and the notes of the rating and follow-up steps.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select

from hotline.errors import Conflict, NotFound
from hotline.extensions import db
from hotline.models.enums import EventType
from hotline.models.notifications import OrderFollow
from hotline.models.orders import Order
from privacy.fields import seal_field
from privacy.orm import utcnow
from privacy.runtime import runtime

NOT_FOLLOWING = "未找到该工单，请核对工单编号"
# Steps whose words are the requester's (or about them): shown to a follower without them.
_REQUESTER_STEPS = {EventType.RATED.value, EventType.FOLLOWED_UP.value} | {
    "urged",
    "info_added",
    "withdrawn",
}


def follow_merged(order: Order, phone_bidx: str | None, phone: str | None, at: datetime) -> None:
    """Record that ``phone`` follows ``order``, into which its request was just merged.
    The order's own requester needs no follow; a phone that stopped following and repeats
    its request follows again."""
    if not phone_bidx or phone_bidx == order.phone_bidx:
        return
    row = db.session.scalar(
        select(OrderFollow).where(
            OrderFollow.order_id == order.id, OrderFollow.phone_bidx == phone_bidx
        )
    )
    if row is None:
        row = OrderFollow(order_id=order.id, phone_bidx=phone_bidx, source="merged", created_at=at)
        db.session.add(row)
    row.ended_at = None
    if phone:
        seal_field(runtime().cipher, row, "phone", phone)
    db.session.flush()


def following_clause(phone_bidx: str) -> ColumnElement[bool]:
    """Orders ``phone_bidx`` follows, as SQL over ``orders``."""
    return Order.id.in_(
        select(OrderFollow.order_id).where(
            OrderFollow.phone_bidx == phone_bidx, OrderFollow.ended_at.is_(None)
        )
    )


def follows_order(order_no: str, phone_bidx: str) -> bool:
    return (
        db.session.scalar(
            select(Order.id).where(Order.order_no == order_no).where(following_clause(phone_bidx))
        )
        is not None
    )


def follows_any(phone_bidx: str) -> bool:
    return (
        db.session.scalar(
            select(OrderFollow.id)
            .where(OrderFollow.phone_bidx == phone_bidx, OrderFollow.ended_at.is_(None))
            .limit(1)
        )
        is not None
    )


def mark_following(items: list, phone_bidx: str) -> list:
    """Order summaries of the phone's list: the followed ones say so and show no summary
    of the requester's text."""
    for item in items:
        if item.order.phone_bidx != phone_bidx:
            item.following, item.summary = True, None
    return items


def follows(order_id: int, phone_bidx: str) -> bool:
    return (
        db.session.scalar(
            select(OrderFollow.id).where(
                OrderFollow.order_id == order_id,
                OrderFollow.phone_bidx == phone_bidx,
                OrderFollow.ended_at.is_(None),
            )
        )
        is not None
    )


def active_followers(order_id: int) -> list[OrderFollow]:
    return list(
        db.session.scalars(
            select(OrderFollow)
            .where(OrderFollow.order_id == order_id, OrderFollow.ended_at.is_(None))
            .order_by(OrderFollow.id)
        )
    )


def follow_of(order_id: int, phone_bidx: str) -> OrderFollow | None:
    return db.session.scalar(
        select(OrderFollow).where(
            OrderFollow.order_id == order_id, OrderFollow.phone_bidx == phone_bidx
        )
    )


def unfollow(phone_bidx: str, order_no: str, now: datetime | None = None) -> None:
    """Stop following; the order's own requester cannot (404 for anyone else)."""
    order = db.session.scalar(select(Order).where(Order.order_no == order_no))
    if order is not None and order.phone_bidx == phone_bidx:
        raise Conflict(
            "这是您本人提交的工单，无法取消关注；可在消息设置中关闭推送",
            code="own_order",
        )
    row = follow_of(order.id, phone_bidx) if order is not None else None
    if row is None or row.ended_at is not None:
        raise NotFound(NOT_FOLLOWING, code="order_not_found")
    row.ended_at = now or utcnow()
    db.session.flush()


def follower_view(body: dict) -> dict:
    """The public view of an order (``OrderDetailOut``) as a follower may see it: the
    handling (units, steps, notes of staff, the reply, deadlines), nothing of the requester
    (identity, request text, photos, rating, their own steps' words), and no step to take."""
    rating = dict(body.get("rating") or {})
    rating.update(can_rate=False, rate_until=None, can_request_reopen=False, mine=None, history=[])
    out = {
        **body,
        "requester": None,
        "content": None,
        "summary": None,
        "rating": rating,
        "timeline": [_public(entry) for entry in body.get("timeline") or ()],
        "following": True,
    }
    if isinstance(body.get("actions"), dict):
        out["actions"] = {k: (False if k.startswith("can_") else None) for k in body["actions"]}
    return out


def _public(entry: dict) -> dict:
    entry = {**entry, "photos": []} if "photos" in entry else dict(entry)
    if entry.get("type") in _REQUESTER_STEPS:
        entry.update(note=None, reason=None, resolution_label=None, satisfaction_label=None)
    return entry
