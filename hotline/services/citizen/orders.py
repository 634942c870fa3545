"""What a citizen does with orders: list their own, open one, look one up by query code,
rate a completed one and submit a new one.

Ownership is the phone's blind index on the order. An order that is not the caller's is
answered exactly like one that does not exist (404), so that neither order numbers nor
other people's orders can be probed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.orm import defer, joinedload, raiseload, selectinload

from hotline.errors import Conflict, Invalid, NotFound
from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.citizen import CitizenTokenRevocation
from hotline.models.enums import Channel, OrderKind, OrderStatus, Resolution, Satisfaction
from hotline.models.notifications import OrderFollow
from hotline.models.orders import Order, OrderEvent
from hotline.models.places import Community, District, Street
from hotline.models.units import StaffUser
from hotline.services import intake, lifecycle
from hotline.services.actors import Actor
from hotline.services.citizen import auth as citizen_auth
from hotline.services.citizen import photos
from hotline.services.notifications import follows
from privacy import catalog
from privacy.blind_index import matches
from privacy.runtime import runtime

NOT_FOUND_MESSAGE = "未找到该工单，请核对工单编号"
LOOKUP_MISS_MESSAGE = "未找到该工单，请核对工单编号和查询码"
# Compared against when the order number is unknown, so both misses cost one HMAC.
_NO_SUCH_HASH = "0" * 64
CITIZEN_CHANNELS = (Channel.MINIAPP, Channel.WEB)


# Names of units, places and categories come from ``citizen_reference.names()``; loading
# them here would only cost time, so touching them is an error.
_NO_NAMES = (
    raiseload(Order.lead_unit),
    raiseload(Order.district),
    raiseload(Order.street),
    raiseload(Order.community),
    raiseload(Order.category),
)


def _detail_query():
    """Everything the public view reads, and nothing else, in one round trip: an order has
    a handful of events and at most a few ratings, so joining them costs less than more
    queries. Internal notes, the ID number and password hashes are not even loaded."""
    return select(Order).options(
        defer(Order.requester_id_number),
        defer(Order.query_code_hash),
        *_NO_NAMES,
        joinedload(Order.events).options(
            defer(OrderEvent.internal_note),
            raiseload(OrderEvent.unit),
            raiseload(OrderEvent.target_unit),
            joinedload(OrderEvent.actor).load_only(StaffUser.display_name, StaffUser.staff_no),
        ),
        joinedload(Order.ratings),
    )


# Built once: composing loader options costs more than running the query.
_OWN = _detail_query().where(
    Order.order_no == bindparam("order_no"), Order.phone_bidx == bindparam("phone_bidx")
)
_BY_ID = _detail_query().where(Order.id == bindparam("order_id"))
# The detail view also shows photos: whether the order has any comes with it, so that the
# usual order without one needs no query of its own (``photos.refs``).
_VIEW_BY_ID = _BY_ID.add_columns(photos.any_attached(Order.id).label("has_photos"))
_LAST_SEQ = (
    select(func.max(OrderEvent.seq)).where(OrderEvent.order_id == Order.id).scalar_subquery()
)
_HEAD_COLUMNS = (
    Order.id,
    Order.status,
    Order.round,
    Order.received_at,
    Order.deadline_at,
    Order.completed_at,
    Order.personal_erased_at,
    _LAST_SEQ.label("last_seq"),
)
# The caller's own order, or one it follows (its repeat was merged into it: seen as
# ``follower_view``), and whether the caller's token was revoked: one round trip.
_FOLLOWS = exists().where(
    OrderFollow.order_id == Order.id,
    OrderFollow.phone_bidx == bindparam("phone_bidx"),
    OrderFollow.ended_at.is_(None),
)
_HEAD = select(
    *_HEAD_COLUMNS,
    (Order.phone_bidx != bindparam("phone_bidx")).label("following"),
    exists().where(CitizenTokenRevocation.token_id == bindparam("token_id")).label("revoked"),
).where(
    Order.order_no == bindparam("order_no"),
    or_(Order.phone_bidx == bindparam("phone_bidx"), _FOLLOWS),
)


def _one(query, **params) -> Order | None:
    return db.session.scalars(query, params).unique().one_or_none()


def own_order(phone_bidx: str, order_no: str, *, for_update: bool = False) -> Order:
    query = _OWN
    if for_update:
        query = query.options(selectinload(Order.assignments)).with_for_update(of=Order)
    order = _one(query, order_no=order_no, phone_bidx=phone_bidx)
    if order is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="order_not_found")
    return order


def own_order_head(phone_bidx: str, order_no: str, token_id: str = ""):
    """The caller's order (or one it follows) as one light row: its id, the columns the
    time limits depend on, the sequence number of its last event, which changes with every
    step (a version), ``following``, and ``revoked``: whether ``token_id`` was revoked."""
    params = {"order_no": order_no, "phone_bidx": phone_bidx, "token_id": token_id}
    head = db.session.connection().execute(_HEAD, params).first()
    if head is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="order_not_found")
    return head


def order_by_id(order_id: int) -> Order:
    return _one(_BY_ID, order_id=order_id)


def order_for_view(order_id: int) -> tuple[Order, bool]:
    """The order as ``order_by_id`` loads it, and whether it has attached photos; one
    round trip."""
    order, has_photos = db.session.execute(_VIEW_BY_ID, {"order_id": order_id}).unique().one()
    return order, has_photos


def lookup(order_no: str, query_code: str) -> Order:
    """The order behind a number and its query code; one answer for every miss."""
    row = db.session.execute(
        select(Order.id, Order.query_code_hash).where(Order.order_no == order_no)
    ).first()
    stored = row.query_code_hash if row is not None else _NO_SUCH_HASH
    if not matches(runtime().ring, "query_code", query_code, stored) or row is None:
        raise NotFound(LOOKUP_MISS_MESSAGE, code="order_not_found")
    return order_by_id(row.id)


# A list shows no requester data, and the request text only until its masked summary is
# cached (``citizen_view.summaries``): none of these is worth loading with every page.
_SUMMARY_DEFERRED = tuple(
    defer(getattr(Order, column)) for column in (*catalog.columns("orders"), "query_code_hash")
)


@dataclass
class MyOrdersFilter:
    status: list[OrderStatus] | None = None
    page: int = 1
    per_page: int = 10


def my_orders(phone_bidx: str, f: MyOrdersFilter) -> tuple[list[Order], int]:
    """The phone's orders, newest first, and how many there are (counted in the same
    query; a page past the end counts separately)."""
    where = [Order.phone_bidx == phone_bidx]
    if follows.follows_any(phone_bidx):  # and the orders it follows (重复件)
        where = [or_(where[0], follows.following_clause(phone_bidx))]
    if f.status:
        where.append(Order.status.in_(f.status))
    rows = db.session.execute(
        select(Order, func.count().over().label("total"))
        .where(*where)
        .options(*_NO_NAMES, *_SUMMARY_DEFERRED)
        .order_by(Order.received_at.desc(), Order.id.desc())
        .limit(f.per_page)
        .offset((f.page - 1) * f.per_page)
    ).all()
    if rows:
        return [row[0] for row in rows], rows[0].total
    total = db.session.scalar(select(func.count(Order.id)).where(*where)) if f.page > 1 else 0
    return [], total


def rate(
    phone_bidx: str,
    order_no: str,
    *,
    resolution: Resolution,
    satisfaction: Satisfaction,
    comment: str | None = None,
    reopen: bool = False,
) -> Order:
    """评价 of the caller's own order; the comment is stored sealed and shown redacted.
    A follower does not rate (one rating per order: the requester's)."""
    try:
        order = own_order(phone_bidx, order_no, for_update=True)
    except NotFound:
        if follows.follows_order(order_no, phone_bidx):
            raise Conflict(
                "您关注的工单由提交诉求的市民评价；如仍不满意，可在归档后重新提交诉求",
                code="follower_cannot_rate",
            ) from None
        raise
    comment = (comment or "").strip() or None
    lifecycle.rate(
        order,
        Actor.citizen(phone_bidx),
        resolution,
        satisfaction,
        comment=comment,
        ask_reopen=reopen,
        window_days=current_app.config["RATING_WINDOW_DAYS"],
    )
    db.session.flush()
    return order


def _by_code(model, code: str | None, label: str, field: str):
    if not code:
        return None
    row = db.session.scalar(select(model).where(model.code == code))
    if row is None:
        raise Invalid(f"所选{label}不存在", details={"field": field})
    return row


def submit(
    phone_bidx: str,
    *,
    kind: OrderKind,
    district_code: str,
    street_code: str,
    content: str,
    community_code: str | None = None,
    category_code: str | None = None,
    address: str | None = None,
    confidential: bool = False,
    channel: Channel = Channel.MINIAPP,
    photo_ids=(),
) -> intake.IntakeResult:
    """受理 of a request typed by the citizen; a repeat is merged into the earlier order.
    Photos uploaded beforehand (``photos.stage_for_citizen``) join it with its first event
    (or with the repeat's event on the earlier order)."""
    if channel not in CITIZEN_CHANNELS:
        raise Invalid("渠道只能是小程序或网站", details={"field": "channel"})
    photo_ids = photos.check_ids(photo_ids)
    phone = citizen_auth.profile_phone(phone_bidx)
    result = intake.receive(
        Actor.citizen(phone_bidx),
        channel=channel,
        kind=kind,
        district=_by_code(District, district_code, "区", "district_code"),
        street=_by_code(Street, street_code, "街道乡镇", "street_code"),
        community=_by_code(Community, community_code, "社区村", "community_code"),
        category=_by_code(Category, category_code, "分类", "category_code"),
        content=content,
        requester=intake.Requester(phone=phone, address=(address or "").strip() or None),
        confidential=confidential,
    )
    db.session.flush()
    photos.attach_citizen(result.order, result.order.events[-1], phone_bidx, photo_ids)
    return result
