"""Photos on orders: checked, re-encoded and sealed when uploaded; attached to the step that
brings them; served to whoever may see them; erased with the order's personal data.

Upload, then attach. A photo is uploaded on its own (one per request: a phone's camera
photo is up to 10 MB, and the mini-program uploads one file per call) and waits, *staged*,
until a step takes it by id: the citizen's new request or 补充说明, or a handler's progress
or completion. Unused uploads are deleted after ``PHOTO_STAGED_HOURS``; a phone (or staff
member) holds at most ``PHOTO_STAGED_MAX`` at once.

Every upload goes through ``hotline.media.images.process_upload`` (type from the bytes,
10 MB, pixel limit, structure, re-encoding without any metadata, thumbnail) before anything
is kept; at most ``PHOTO_WORKERS`` run at once per process (a 50 MP photo takes ~200 MB
while decoding), others wait up to ``PHOTO_QUEUE_SECONDS`` and then get 503.

Storage: ``hotline.models.attachments`` (both variants sealed with the field cipher, bound
to the order and the photo). A citizen's staged photo is bound to "staged" and sealed again
under its order when attached.

Who sees a photo is ``visibility.photo_access``; staff reads are access-logged.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, exists, func, or_, select, update
from sqlalchemy.orm import undefer

from hotline.errors import ApiError, Conflict, Forbidden, Invalid, NotFound
from hotline.extensions import db
from hotline.media import images
from hotline.models.attachments import VARIANTS, Attachment, binding_uuid
from hotline.models.enums import AttachmentSource, AttachmentState
from hotline.models.orders import Order, OrderEvent
from hotline.services import visibility
from hotline.services.actors import Actor
from privacy import access
from privacy.accesslog import AccessContext
from privacy.crypto import DecryptionError
from privacy.fields import open_field, seal_field
from privacy.matrix import check_purpose
from privacy.orm import utcnow
from privacy.runtime import runtime

PHOTO_NOT_FOUND = "照片不存在"
STAGED_GONE = "照片不存在或已过期，请重新上传"
# Old unused uploads deleted on each upload, so the table cleans itself without a job.
_PURGE_BATCH = 50


class PhotoBusy(ApiError):
    status, code = 503, "photo_busy"
    retry_after = 5


# Per process: decoding is what takes memory, and memory is per process.
_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _slot() -> threading.BoundedSemaphore:
    workers = max(1, int(current_app.config["PHOTO_WORKERS"]))
    with _slots_lock:
        return _slots.setdefault(workers, threading.BoundedSemaphore(workers))


def process(data: bytes) -> images.ProcessedImage:
    """Check and re-encode one upload, waiting for a free slot (503 when none comes)."""
    slot = _slot()
    if not slot.acquire(timeout=float(current_app.config["PHOTO_QUEUE_SECONDS"])):
        raise PhotoBusy("照片处理繁忙，请稍后再试")
    try:
        return images.process_upload(data, max_pixels=current_app.config["PHOTO_MAX_PIXELS"])
    finally:
        slot.release()


# -- sealing ------------------------------------------------------------------------------
def _seal(att: Attachment, full: bytes, thumb: bytes) -> None:
    cipher = runtime().cipher
    seal_field(cipher, att, "full_image", full)
    seal_field(cipher, att, "thumb_image", thumb)


def _order_uuid(att: Attachment) -> str | None:
    if att.order_id is None:
        return None
    return db.session.scalar(select(Order.uuid).where(Order.id == att.order_id))


def check_binding(att: Attachment, order_uuid: str | None) -> None:
    """Refuse a row whose binding does not match its order and id (moved or forged): its
    ciphertexts are not opened at all."""
    if att.uuid != binding_uuid(order_uuid, att.public_id):
        raise DecryptionError(f"attachment {att.id} is not bound to its order")


def _rebind(att: Attachment, order: Order) -> None:
    """A staged citizen photo joins its order: open both variants under the staged binding
    and seal them again under the order's."""
    check_binding(att, None)
    cipher = runtime().cipher
    full, thumb = (open_field(cipher, att, column) for column in VARIANTS.values())
    att.uuid = binding_uuid(order.uuid, att.public_id)
    _seal(att, full, thumb)


def _new(processed: images.ProcessedImage, **fields) -> Attachment:
    fields.setdefault("state", AttachmentState.STAGED)
    return Attachment(
        mime=processed.mime,
        width=processed.width,
        height=processed.height,
        byte_size=len(processed.data),
        thumb_mime=processed.thumbnail_mime,
        thumb_width=processed.thumbnail_width,
        thumb_height=processed.thumbnail_height,
        created_at=utcnow(),
        **fields,
    )


# -- staging ------------------------------------------------------------------------------
def _staged_cutoff(now: datetime) -> datetime:
    return now - timedelta(hours=current_app.config["PHOTO_STAGED_HOURS"])


def purge_staged(now: datetime | None = None, limit: int = _PURGE_BATCH) -> int:
    """Delete a batch of uploads nobody used in time; returns how many."""
    cutoff = _staged_cutoff(now or utcnow())
    ids = db.session.scalars(
        select(Attachment.id)
        .where(Attachment.state == AttachmentState.STAGED, Attachment.created_at < cutoff)
        .order_by(Attachment.id)
        .limit(limit)
    ).all()
    if ids:
        db.session.execute(delete(Attachment).where(Attachment.id.in_(ids)))
    return len(ids)


def _live_staged(*where) -> int:
    cutoff = _staged_cutoff(utcnow())
    return db.session.scalar(
        select(func.count(Attachment.id)).where(
            Attachment.state == AttachmentState.STAGED, Attachment.created_at >= cutoff, *where
        )
    )


def _room_for_one(*where) -> None:
    purge_staged()
    held = _live_staged(*where)
    if held >= current_app.config["PHOTO_STAGED_MAX"]:
        raise Conflict(
            f"已上传但未提交的照片已有 {held} 张，请先提交或删除后再上传",
            code="too_many_uploads",
            details={"max": current_app.config["PHOTO_STAGED_MAX"]},
        )


@dataclass(frozen=True)
class Staged:
    """An upload waiting to be used, as its uploader is told about it."""

    public_id: str
    mime: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    expires_at: datetime


def staged(att: Attachment) -> Staged:
    hours = timedelta(hours=current_app.config["PHOTO_STAGED_HOURS"])
    return Staged(
        att.public_id,
        att.mime,
        att.width,
        att.height,
        att.thumb_width,
        att.thumb_height,
        att.created_at + hours,
    )


def stage_for_citizen(phone_bidx: str, data: bytes) -> Attachment:
    """A citizen's upload, waiting for their request or 补充说明 to take it."""
    _room_for_one(Attachment.owner_phone_bidx == phone_bidx)
    processed = process(data)
    att = _new(processed, source=AttachmentSource.CITIZEN, owner_phone_bidx=phone_bidx)
    _seal(att, processed.data, processed.thumbnail)
    db.session.add(att)
    db.session.flush()
    return att


def stage_for_staff(order_no: str, actor: Actor, data: bytes) -> Attachment:
    """A handler's "after" photo for their next progress or completion step on the order:
    only a unit currently handling it may add one."""
    order = visibility.load_order(order_no)
    if visibility.require_staff(order, actor).standing != visibility.Standing.CURRENT_UNIT:
        raise Forbidden("只有正在办理该工单的单位可以上传照片", code="photo_forbidden")
    _room_for_one(Attachment.uploaded_by_id == actor.user_id)
    processed = process(data)
    att = _new(
        processed,
        source=AttachmentSource.STAFF,
        order_id=order.id,
        uploaded_by_id=actor.user_id,
        unit_id=actor.unit_id,
    )
    att.uuid = binding_uuid(order.uuid, att.public_id)
    _seal(att, processed.data, processed.thumbnail)
    db.session.add(att)
    db.session.flush()
    return att


def discard_staged(phone_bidx: str, public_id: str) -> None:
    """A citizen removes an upload they no longer want (before using it)."""
    done = db.session.execute(
        delete(Attachment).where(
            Attachment.public_id == public_id,
            Attachment.owner_phone_bidx == phone_bidx,
            Attachment.state == AttachmentState.STAGED,
        )
    ).rowcount
    if not done:
        raise NotFound(PHOTO_NOT_FOUND, code="photo_not_found")


# -- attaching ----------------------------------------------------------------------------
def check_ids(ids) -> list[str]:
    ids = list(dict.fromkeys(ids or ()))
    most = current_app.config["PHOTOS_PER_STEP"]
    if len(ids) > most:
        raise Invalid(f"每次最多添加 {most} 张照片", details={"field": "photo_ids"})
    return ids


def _staged(ids: list[str], *where) -> list[Attachment]:
    cutoff = _staged_cutoff(utcnow())
    rows = db.session.scalars(
        select(Attachment)
        .where(
            Attachment.public_id.in_(ids),
            Attachment.state == AttachmentState.STAGED,
            Attachment.created_at >= cutoff,
            *where,
        )
        .options(undefer(Attachment.full_image), undefer(Attachment.thumb_image))
        .with_for_update()
    ).all()
    if len(rows) != len(ids):
        raise Invalid(STAGED_GONE, code="photo_not_found", details={"field": "photo_ids"})
    by_id = {a.public_id: a for a in rows}
    return [by_id[i] for i in ids]


def citizen_photo_count(order_id: int) -> int:
    return db.session.scalar(
        select(func.count(Attachment.id)).where(
            Attachment.order_id == order_id, Attachment.source == AttachmentSource.CITIZEN
        )
    )


def attach_citizen(order: Order, event: OrderEvent, phone_bidx: str, ids) -> list[Attachment]:
    """The citizen's staged photos join ``order`` with ``event`` (their request or 补充说明)."""
    ids = check_ids(ids)
    if not ids:
        return []
    rows = _staged(ids, Attachment.owner_phone_bidx == phone_bidx, Attachment.order_id.is_(None))
    most = current_app.config["PHOTOS_PER_ORDER"]
    if citizen_photo_count(order.id) + len(rows) > most:
        raise Invalid(
            f"每个工单最多添加 {most} 张照片",
            code="too_many_photos",
            details={"field": "photo_ids"},
        )
    db.session.flush()  # the event's id
    now = utcnow()
    for att in rows:
        _rebind(att, order)
        att.order_id, att.event_id = order.id, event.id
        att.state, att.attached_at = AttachmentState.ATTACHED, now
    return rows


def attach_staff(order: Order, event: OrderEvent, actor: Actor, ids) -> list[Attachment]:
    """A handler's staged "after" photos join their progress or completion ``event``."""
    ids = check_ids(ids)
    if not ids:
        return []
    rows = _staged(ids, Attachment.uploaded_by_id == actor.user_id, Attachment.order_id == order.id)
    db.session.flush()
    now = utcnow()
    for att in rows:
        att.event_id = event.id
        att.state, att.attached_at = AttachmentState.ATTACHED, now
    return rows


def replay_staff_photo(order: Order, event: OrderEvent, actor: Actor, data: bytes) -> Attachment:
    """A handler's photo on a step taken earlier, as the demo data replays history."""
    processed = process(data)
    att = _new(
        processed,
        source=AttachmentSource.STAFF,
        state=AttachmentState.ATTACHED,
        order_id=order.id,
        event_id=event.id,
        uploaded_by_id=actor.user_id,
        unit_id=actor.unit_id,
        attached_at=event.occurred_at,
    )
    att.uuid = binding_uuid(order.uuid, att.public_id)
    _seal(att, processed.data, processed.thumbnail)
    db.session.add(att)
    return att


# -- listing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PhotoRef:
    """What a list shows of a photo: never its pixels."""

    photo_id: str
    event_id: int | None
    source: str
    mime: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    attached_at: datetime | None


def _attached_to(order_id) -> ColumnElement[bool]:
    return (Attachment.order_id == order_id) & (Attachment.state == AttachmentState.ATTACHED)


def any_attached(order_id) -> ColumnElement[bool]:
    """Whether the order (an id, or a column such as ``Order.id``) has attached photos: an
    EXISTS to put in the query that loads the order, so that the usual order without any
    photo costs no query of its own (``refs``)."""
    return exists().where(_attached_to(order_id))


def refs(order_id: int) -> list[PhotoRef]:
    """The attached photos of an order, in the order they came."""
    rows = db.session.execute(
        select(
            Attachment.public_id,
            Attachment.event_id,
            Attachment.source,
            Attachment.mime,
            Attachment.width,
            Attachment.height,
            Attachment.thumb_width,
            Attachment.thumb_height,
            Attachment.attached_at,
        )
        .where(_attached_to(order_id))
        .order_by(Attachment.id)
    ).all()
    return [PhotoRef(r[0], r[1], str(r[2]), *r[3:]) for r in rows]


def by_event(order_id: int) -> dict[int, list[PhotoRef]]:
    out: dict[int, list[PhotoRef]] = {}
    for ref in refs(order_id):
        out.setdefault(ref.event_id, []).append(ref)
    return out


# -- serving ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Served:
    data: bytes
    mime: str


def _attached(order_id: int, public_id: str, variant: str) -> Attachment:
    column = VARIANTS[variant]
    att = db.session.scalar(
        select(Attachment)
        .where(
            Attachment.public_id == public_id,
            Attachment.order_id == order_id,
            Attachment.state == AttachmentState.ATTACHED,
        )
        .options(undefer(getattr(Attachment, column)))
    )
    if att is None:
        raise NotFound(PHOTO_NOT_FOUND, code="photo_not_found")
    return att


def _mime(att: Attachment, variant: str) -> str:
    return att.mime if variant == "full" else att.thumb_mime


def for_owner(phone_bidx: str, order_no: str, public_id: str, variant: str) -> Served:
    """A photo of the caller's own order (404 for anyone else's, as for the order)."""
    from hotline.services.citizen.orders import NOT_FOUND_MESSAGE

    row = db.session.execute(
        select(Order.id, Order.uuid).where(
            Order.order_no == order_no, Order.phone_bidx == phone_bidx
        )
    ).first()
    if row is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="order_not_found")
    att = _attached(row.id, public_id, variant)
    check_binding(att, row.uuid)
    data = open_field(runtime().cipher, att, VARIANTS[variant])
    return Served(data, _mime(att, variant))


def for_staff(
    order_no: str, public_id: str, actor: Actor, variant: str, purpose: str | None = None
) -> Served:
    """A photo for a staff member ``visibility.photo_access`` lets see it, after one
    access-log entry (plaintext of a personal field, as every reveal)."""
    order = visibility.load_order(order_no)
    att = _attached(order.id, public_id, variant)
    grant = visibility.photo_access(order, actor, att.uploaded_by_id)
    purpose = check_purpose(purpose) if grant.purpose_required else (purpose or None)
    check_binding(att, order.uuid)
    ctx = AccessContext.for_staff(
        actor.user_id, actor.role, actor.unit_id, purpose=purpose or grant.default_purpose
    ).for_order(order.id, order.order_no)
    column = VARIANTS[variant]
    data = access.reveal(db.session, att, [column], ctx=ctx.with_request())[column]
    return Served(data, _mime(att, variant))


# -- erasing ------------------------------------------------------------------------------
def erase_for_orders(session, order_ids: list[int], now: datetime) -> int:
    """Erase the pixels of every photo of these orders (retention, an approved erasure
    request); the rows stay, so that counts of photos do not change. Returns how many."""
    if not order_ids:
        return 0
    table = Attachment.__table__
    return session.execute(
        update(table)
        .where(
            table.c.order_id.in_(order_ids),
            or_(table.c.full_image.is_not(None), table.c.state != AttachmentState.ERASED),
        )
        .values(
            full_image=None,
            thumb_image=None,
            owner_phone_bidx=None,
            state=AttachmentState.ERASED,
            erased_at=now,
        )
    ).rowcount
