"""The requester's own data (PIPL arts. 44–47): who read it, a download of all of it, and
(``privacy_office.erasure``) a request to erase it.

**Who read my data** comes from the hash-chained access log, which nobody can edit quietly:
every entry that revealed a personal field of one of the phone's orders (staff reads, and
the requester's own downloads), newest first, with the unit, role, masked name and staff
number of the reader (as the timeline shows handlers), the fields in Chinese and the stated
purpose.

**Download** is everything held about the phone, in one JSON document: the orders with
their personal fields in plaintext, their timelines as the app shows them, the requester's
own texts (补充说明, 撤回 reasons, rating comments) in plaintext, ratings, photos as links,
erasure requests, the reads above, and whatever other modules register
(``register_section``: the notifications' inbox messages and consents). Staff notes come
redacted, as the app shows them; internal notes are not the requester's data and are left
out. Every plaintext read of the download is in the access log as the owner's own read
(action ``owner_read``): one entry per order, one for the login profile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hotline.extensions import db
from hotline.models.citizen import CitizenProfile
from hotline.models.enums import (
    EVENT_LABELS,
    KIND_LABELS,
    RESOLUTION_LABELS,
    SATISFACTION_LABELS,
    STATUS_LABELS,
    RatingSource,
)
from hotline.models.orders import Order
from hotline.models.units import StaffUser, Unit
from hotline.services.citizen import photos
from hotline.services.citizen import view as citizen_view
from hotline.services.citizen.reference import names
from hotline.services.deadlines import SHANGHAI
from hotline.services.privacy_office import erasure
from privacy import access, catalog
from privacy.accesslog import ACTION_OWNER_READ, ACTION_REVEAL, AccessContext
from privacy.masking import mask_name
from privacy.models import AccessLogEntry
from privacy.orm import utcnow
from privacy.roles import CITIZEN_ROLE, role_label

OWNER_PURPOSE = "诉求人下载本人数据"
HOTLINE = "12345市民服务热线"
READS_IN_EXPORT = 1000


def _time(value: datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds") if value else None


# -- who read my data ---------------------------------------------------------------------
@dataclass
class Read:
    occurred_at: datetime
    order_no: str | None
    who: str
    unit: str | None
    role: str
    staff_name: str | None
    staff_no: str | None
    fields_read: list[str]
    purpose: str | None
    own: bool


def _reads_query(phone_bidx: str):
    mine = select(Order.id).where(Order.phone_bidx == phone_bidx)
    return select(AccessLogEntry).where(
        AccessLogEntry.order_id.in_(mine),
        AccessLogEntry.action.in_((ACTION_REVEAL, ACTION_OWNER_READ)),
    )


def _staff_id(actor: str) -> int | None:
    kind, _, number = actor.partition(":")
    return int(number) if kind == "staff" and number.isdigit() else None


def _labels(fields: str) -> list[str]:
    return list(dict.fromkeys(catalog.label(f) for f in fields.split(",") if f))


def _describe(entries: list[AccessLogEntry]) -> list[Read]:
    staff_ids = {i for e in entries if (i := _staff_id(e.actor)) is not None}
    staff = {
        u.id: u for u in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(staff_ids)))
    }
    unit_ids = {e.unit_id for e in entries if e.unit_id is not None}
    units = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all())
    show_staff = current_app.config["CITIZEN_SHOW_HANDLER"]
    out = []
    for e in entries:
        own = e.action == ACTION_OWNER_READ
        user = staff.get(_staff_id(e.actor))
        role = role_label(e.role)
        unit = units.get(e.unit_id) if e.unit_id else (None if own or user is None else HOTLINE)
        name = mask_name(user.display_name) if user and show_staff else None
        number = user.staff_no if user and show_staff else None
        if own:
            who = "本人（下载我的数据）"
        else:
            parts = [unit, role, name, f"工号 {number}" if number else None]
            who = " ".join(p for p in parts if p)
        out.append(
            Read(
                occurred_at=e.occurred_at,
                order_no=e.order_no,
                who=who,
                unit=unit,
                role=role,
                staff_name=name,
                staff_no=number,
                fields_read=_labels(e.fields),
                purpose=e.purpose,
                own=own,
            )
        )
    return out


def reads(phone_bidx: str, page: int = 1, per_page: int = 20) -> tuple[list[Read], int]:
    """The reads of the phone's orders, newest first, and how many there are."""
    query = _reads_query(phone_bidx)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    entries = db.session.scalars(
        query.order_by(AccessLogEntry.seq.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return _describe(list(entries)), total


# -- download -----------------------------------------------------------------------------
# Other modules add what they hold about a phone: ``name -> fn(phone_bidx) -> JSON value``.
SECTIONS: dict[str, Callable[[str], object]] = {}


def register_section(name: str, fn: Callable[[str], object]) -> None:
    """Add a part to every download (e.g. ``"messages"``: the inbox of the phone)."""
    SECTIONS[name] = fn


REQUESTER = tuple(f.column for f in catalog.ORDER_FIELDS)


def _own_texts(order: Order) -> list[tuple[object, list[str]]]:
    """The requester's own free text on the order: the notes and reasons of their events
    (no staff actor): 补充说明, 撤回 reasons and rating comments (a comment is kept on the
    rating too, the same text)."""
    items: list[tuple[object, list[str]]] = []
    for event in order.events:
        if event.actor_id is None:
            cols = [c for c in ("public_note", "reason") if getattr(event, c) is not None]
            if cols:
                items.append((event, cols))
    return items


def _order_document(order: Order, known, ctx: AccessContext) -> dict:
    texts = _own_texts(order)
    opened = access.reveal_many(
        db.session,
        [(order, REQUESTER), *texts],
        ctx=ctx.for_order(order.id, order.order_no),
        action=ACTION_OWNER_READ,
    )
    plain, own = opened[0], opened[1:]
    my_texts = []
    for (event, cols), values in zip(texts, own, strict=True):
        for col in cols:
            label = EVENT_LABELS[event.type]
            my_texts.append({"label": label, "at": _time(event.occurred_at), "text": values[col]})
    lead = known.unit(order.lead_unit_id)
    pictures = photos.refs(order.id)
    api = f"/api/v1/orders/{order.order_no}/photos"
    return {
        "order_no": order.order_no,
        "kind": KIND_LABELS[order.kind],
        "status": STATUS_LABELS[order.status],
        "channel": str(order.channel),
        "received_at": _time(order.received_at),
        "deadline_at": _time(order.deadline_at),
        "completed_at": _time(order.completed_at),
        "confidential": order.confidential,
        "category": known.categories.get(order.category_id),
        "district": known.districts.get(order.district_id),
        "street": known.streets.get(order.street_id),
        "community": known.communities.get(order.community_id),
        "unit": lead.name if lead else None,
        "requester": {
            "name": plain["requester_name"],
            "phone": plain["requester_phone"],
            "id_number": plain["requester_id_number"],
            "address": plain["requester_address"],
        },
        "content": plain["content"],
        "my_texts": my_texts,
        "timeline": [
            {
                "label": e.label,
                "at": _time(e.occurred_at),
                "unit": e.unit,
                "note": e.note,
                "reason": e.reason,
            }
            for e in citizen_view.timeline(order, known)
        ],
        "ratings": [
            {
                "round": r.round,
                "by": "本人评价" if r.source == RatingSource.CITIZEN else "热线回访",
                "resolution": RESOLUTION_LABELS[r.resolution],
                "satisfaction": SATISFACTION_LABELS[r.satisfaction],
                "at": _time(r.rated_at),
            }
            for r in order.ratings
        ],
        "photos": [
            {
                "photo_id": p.photo_id,
                "by": "本人上传" if p.source == "citizen" else "承办单位上传",
                "url": f"{api}/{p.photo_id}",
                "thumb_url": f"{api}/{p.photo_id}?variant=thumb",
                "width": p.width,
                "height": p.height,
                "added_at": _time(p.attached_at),
            }
            for p in pictures
        ],
        "personal_data_erased_at": _time(order.personal_erased_at),
    }


def _profile(phone_bidx: str, ctx: AccessContext) -> dict | None:
    profile = db.session.scalar(
        select(CitizenProfile).where(CitizenProfile.phone_bidx == phone_bidx)
    )
    if profile is None:
        return None
    (phone,) = access.reveal_many(
        db.session, [(profile, ["phone"])], ctx=ctx, action=ACTION_OWNER_READ
    )
    return {
        "phone": phone["phone"],
        "first_login_at": _time(profile.created_at),
        "last_login_at": _time(profile.last_login_at),
    }


def export(phone_bidx: str) -> dict:
    """Everything held about the phone, its plaintext reads logged as the owner's own."""
    orders = list(
        db.session.scalars(
            select(Order)
            .where(Order.phone_bidx == phone_bidx)
            .options(
                selectinload(Order.events),
                selectinload(Order.ratings),
                selectinload(Order.assignments),
            )
            .order_by(Order.received_at)
        )
    )
    ctx = AccessContext(actor="citizen", role=CITIZEN_ROLE, purpose=OWNER_PURPOSE).with_request()
    known = names(fresh_for=[*orders, *(e for o in orders for e in o.events)])
    document = {
        "title": "我的数据（阳光办理）",
        "generated_at": _time(utcnow()),
        "note": (
            "本文件包含以您的手机号保存的全部个人信息：工单及其个人信息明文、办理过程、评价、"
            "照片链接（须登录后打开）、删除申请和个人信息被查看的记录。办理人员的说明已按"
            "应用内显示的方式去除个人信息；内部备注不属于您的个人信息，未包含在内。"
            "本次下载已记入访问日志。"
        ),
        "profile": _profile(phone_bidx, ctx),
        "orders": [_order_document(o, known, ctx) for o in orders],
        "erasure_requests": [
            {
                "request_id": v.uuid,
                "status": v.status_label,
                "requested_at": _time(v.requested_at),
                "order_nos": v.order_nos,
                "decided_at": _time(v.decided_at),
                "decision_note": v.decision_note,
                "retain_until": v.retain_until.isoformat() if v.retain_until else None,
            }
            for v in map(erasure.view, erasure.requests_of(phone_bidx))
        ],
    }
    entries, _ = reads(phone_bidx, 1, READS_IN_EXPORT)
    document["reads"] = [
        {
            "at": _time(r.occurred_at),
            "order_no": r.order_no,
            "who": r.who,
            "fields": r.fields_read,
            "purpose": r.purpose,
        }
        for r in entries
    ]
    for name, fn in SECTIONS.items():
        document[name] = fn(phone_bidx)
    return document
