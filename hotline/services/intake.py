"""受理: recording a new request, or merging it into the earlier one it repeats."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from hotline.errors import Invalid
from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import Channel, OrderKind, TimeLimit
from hotline.models.orders import Order
from hotline.models.places import Community, District, Street
from hotline.services import deadlines, lifecycle, repeats
from hotline.services.actors import Actor
from hotline.services.lifecycle.table import Step, check, sources
from hotline.services.notifications import follows
from privacy.blind_index import NormalisationError, blind_index
from privacy.fields import open_field, seal_field
from privacy.orm import utcnow
from privacy.runtime import runtime

QUERY_CODE_DIGITS = 8
# A repeat is merged into an earlier order only in a state the table lets a merge happen.
MERGEABLE = sorted(sources(Step.MERGE))


@dataclass
class Requester:
    name: str | None = None
    phone: str | None = None
    id_number: str | None = None
    address: str | None = None


@dataclass
class IntakeResult:
    order: Order
    merged: bool
    query_code: str | None  # handed out once, for a new order only
    following: bool = False  # merged into another phone's order, which it now follows


def new_query_code() -> str:
    return f"{secrets.randbelow(10**QUERY_CODE_DIGITS):0{QUERY_CODE_DIGITS}d}"


def new_order_no(at: datetime) -> str:
    day = deadlines.to_local(at).strftime("%Y%m%d")
    while True:
        candidate = f"{day}{secrets.randbelow(10**6):06d}"
        if db.session.scalar(select(Order.id).where(Order.order_no == candidate)) is None:
            return candidate


def check_place(district: District, street: Street | None, community: Community | None) -> None:
    if street is not None and street.district_id != district.id:
        raise Invalid("所选街道乡镇不属于该区", details={"field": "street"})
    if community is not None and (street is None or community.street_id != street.id):
        raise Invalid("所选社区村不属于该街道乡镇", details={"field": "community"})


def find_repeat(
    phone_bidx: str,
    place: tuple[int | None, int | None, int | None],
    content: str,
    fingerprint: int,
    at: datetime,
    *,
    confidential: bool = False,
) -> Order | None:
    """The earlier open order this request repeats (重复件), if any.

    Two kinds of earlier order are candidates, both open and received within the window:
    the same phone's orders at the same street, and — unless either request is
    confidential — other phones' orders about the same category in the same community,
    which must be closer still (``MERGE_MIN_SIMILARITY_OTHERS``): neighbours forwarding one
    text about one broken lift. Either way the texts must name the same numbers (a
    building, a door, a plate): "3号楼" never merges into "5号楼". Candidates whose keyed
    SimHash is close are confirmed by comparing the decrypted texts in memory. That
    plaintext never leaves this function (nothing is returned, logged or shown), so it is
    not an access in the sense of the access log.
    """
    street_id, community_id, category_id = place
    cfg = current_app.config
    since = at - timedelta(hours=cfg["MERGE_WINDOW_HOURS"])
    recent = (
        Order.received_at >= since,
        Order.status.in_(MERGEABLE),
        Order.content_simhash.is_not(None),
    )
    own = select(Order).where(Order.phone_bidx == phone_bidx, Order.street_id == street_id, *recent)
    rows = list(db.session.scalars(own))
    if not confidential and community_id is not None and category_id is not None:
        others = select(Order).where(
            Order.community_id == community_id,
            Order.category_id == category_id,
            Order.phone_bidx != phone_bidx,
            Order.confidential.is_(False),
            *recent,
        )
        rows += db.session.scalars(others)
    near = [
        o
        for o in rows
        if repeats.distance(o.content_simhash, fingerprint) <= cfg["MERGE_PREFILTER_DISTANCE"]
    ]
    # Own orders first, then the closest, then the earliest.
    near.sort(
        key=lambda o: (
            o.phone_bidx != phone_bidx,
            repeats.distance(o.content_simhash, fingerprint),
            o.received_at,
        )
    )
    cipher = runtime().cipher
    for order in near:
        needed = cfg[
            "MERGE_MIN_SIMILARITY"
            if order.phone_bidx == phone_bidx
            else "MERGE_MIN_SIMILARITY_OTHERS"
        ]
        earlier = open_field(cipher, order, "content") or ""
        if repeats.same_numbers(earlier, content) and (
            repeats.similarity(earlier, content) >= needed
        ):
            return order
    return None


def receive(
    actor: Actor,
    *,
    channel: Channel,
    kind: OrderKind,
    district: District,
    content: str,
    street: Street | None = None,
    community: Community | None = None,
    category: Category | None = None,
    requester: Requester | None = None,
    confidential: bool = False,
    time_limit: TimeLimit | None = None,
    at: datetime | None = None,
) -> IntakeResult:
    permit = check(None, actor, Step.RECEIVE)
    content = (content or "").strip()
    if not content:
        raise Invalid("请填写诉求内容", details={"field": "content"})
    check_place(district, street, community)
    at = at or utcnow()
    requester = requester or Requester()
    priv = runtime()
    try:
        phone_bidx = blind_index(priv.ring, "phone", requester.phone) if requester.phone else None
        id_bidx = (
            blind_index(priv.ring, "id_number", requester.id_number)
            if requester.id_number
            else None
        )
    except NormalisationError as exc:
        field = "phone" if "phone" in str(exc) else "id_number"
        label = "手机号码" if field == "phone" else "身份证号码"
        raise Invalid(f"{label}格式不正确", details={"field": field}) from None
    fingerprint = repeats.simhash(content, priv.ring.index_key("content_simhash"))

    if phone_bidx is not None:
        place = (
            street.id if street else None,
            community.id if community else None,
            category.id if category else None,
        )
        earlier = find_repeat(
            phone_bidx, place, content, fingerprint, at, confidential=confidential
        )
        if earlier is not None:
            lifecycle.merge_repeat(
                earlier,
                actor,
                Channel(channel).value,
                OrderKind(kind).value,
                at=at,
                other_caller=earlier.phone_bidx != phone_bidx,
            )
            follows.follow_merged(earlier, phone_bidx, requester.phone, at)  # 重复件: follows it
            following = earlier.phone_bidx != phone_bidx
            return IntakeResult(earlier, merged=True, query_code=None, following=following)

    if time_limit is None:
        time_limit = (category.time_limit if category is not None else None) or TimeLimit.NORMAL
    query_code = new_query_code()
    order = Order(
        order_no=new_order_no(at),
        query_code_hash=blind_index(priv.ring, "query_code", query_code),
        kind=kind,
        channel=channel,
        category=category,
        district=district,
        street=street,
        community=community,
        time_limit=time_limit,
        confidential=confidential,
        status=permit.row.target,
        received_at=at,
        deadline_at=deadlines.deadline_for(at, time_limit),
        phone_bidx=phone_bidx,
        id_number_bidx=id_bidx,
        content_simhash=fingerprint,
        created_by_id=actor.user_id,
    )
    for attr, value in (
        ("requester_name", requester.name),
        ("requester_phone", requester.phone),
        ("requester_id_number", requester.id_number),
        ("requester_address", requester.address),
        ("content", content),
    ):
        seal_field(priv.cipher, order, attr, value)
    db.session.add(order)
    lifecycle.receive_event(order, actor, Channel(channel).value, at)
    return IntakeResult(order, merged=False, query_code=query_code)
