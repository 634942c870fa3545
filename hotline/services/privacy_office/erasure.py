"""Requests to erase personal data (PIPL art. 47): the requester asks, a privacy officer
decides, the retention eraser erases.

- A requester asks for their *ended* orders (``ended_clause``: archived, answered directly,
  withdrawn, or completed with the rating window over), all of them or the ones they name.
  One request at a time may wait for a decision.
- A privacy officer approves or refuses it with a reason. A refusal must name the retention
  that applies and the date until which the data is kept (``retain_until``); the requester
  sees both.
- Approval erases the orders still eligible through ``retention.erase_orders`` — personal
  fields, blind indexes, free text and photos — with the officer as the actor of the
  access-log entries. Everything statistics are built from stays, so published figures do
  not change.

The request keeps the phone's blind index and the order numbers, so that the requester sees
the decision after the erased orders no longer point to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from hotline.errors import Conflict, Invalid, NotFound
from hotline.extensions import db
from hotline.models.enums import ERASURE_STATUS_LABELS, ErasureStatus, OrderStatus
from hotline.models.erasure import ErasureRequest
from hotline.models.orders import Order
from hotline.services import retention
from hotline.services.actors import Actor
from privacy.access import masked
from privacy.accesslog import AccessContext
from privacy.fields import seal_field
from privacy.orm import utcnow
from privacy.runtime import runtime

NOTE_MAX = 500
ENDED_WITHOUT_ARCHIVE = (OrderStatus.CLOSED, OrderStatus.ANSWERED, OrderStatus.WITHDRAWN)
PURPOSE = "诉求人申请删除个人信息（删除申请 {id}）"


def ended_clause(now: datetime):
    """Orders whose handling is over: nothing more will be asked of their requester."""
    window = timedelta(days=current_app.config["RATING_WINDOW_DAYS"])
    return or_(
        Order.status.in_(ENDED_WITHOUT_ARCHIVE),
        and_(Order.status == OrderStatus.COMPLETED, Order.completed_at < now - window),
    )


def _eligible(phone_bidx: str, now: datetime):
    return select(Order.id, Order.uuid, Order.order_no).where(
        Order.phone_bidx == phone_bidx, Order.personal_erased_at.is_(None), ended_clause(now)
    )


# -- the requester's side -----------------------------------------------------------------
@dataclass
class ErasureView:
    uuid: str
    status: str
    status_label: str
    requested_at: datetime
    order_nos: list[str]
    decided_at: datetime | None
    decision_note: str | None
    retain_until: date | None
    erased_orders: int


def view(req: ErasureRequest) -> ErasureView:
    return ErasureView(
        uuid=req.uuid,
        status=str(req.status),
        status_label=ERASURE_STATUS_LABELS[ErasureStatus(req.status)],
        requested_at=req.requested_at,
        order_nos=[o["order_no"] for o in req.orders],
        decided_at=req.decided_at,
        decision_note=masked(req, ("decision_note",))["decision_note"],
        retain_until=req.retain_until,
        erased_orders=req.erased_orders,
    )


def request_erasure(phone_bidx: str, order_nos: list[str] | None = None) -> ErasureRequest:
    """A new request for the phone's ended orders (or the named ones among them)."""
    pending = db.session.scalar(
        select(ErasureRequest.id).where(
            ErasureRequest.phone_bidx == phone_bidx,
            ErasureRequest.status == ErasureStatus.PENDING,
        )
    )
    if pending is not None:
        raise Conflict("您已有一份删除申请正在处理，请等待处理结果", code="erasure_pending")
    now = utcnow()
    rows = db.session.execute(_eligible(phone_bidx, now).order_by(Order.received_at)).all()
    if order_nos is not None:
        wanted = set(order_nos)
        missing = wanted - {r.order_no for r in rows}
        if missing:
            raise Invalid(
                "以下工单不是您本人已结束的工单，或个人信息已删除：" + "、".join(sorted(missing)),
                details={"field": "order_nos", "order_nos": sorted(missing)},
            )
        rows = [r for r in rows if r.order_no in wanted]
    if not rows:
        raise Conflict(
            "您没有可以删除个人信息的已结束工单（办理中的工单须办结或撤回后才能申请）",
            code="nothing_to_erase",
        )
    req = ErasureRequest(
        phone_bidx=phone_bidx,
        status=ErasureStatus.PENDING,
        orders=[{"id": r.id, "order_no": r.order_no} for r in rows],
        requested_at=now,
    )
    db.session.add(req)
    db.session.flush()
    return req


def requests_of(phone_bidx: str) -> list[ErasureRequest]:
    return list(
        db.session.scalars(
            select(ErasureRequest)
            .where(ErasureRequest.phone_bidx == phone_bidx)
            .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc())
            .limit(100)
        )
    )


# -- the privacy office's side ------------------------------------------------------------
PAGE_SIZE = 50


@dataclass
class Listing:
    rows: list[ErasureRequest]
    total: int
    pending: int


def listing(status: ErasureStatus | None = None, page: int = 1) -> Listing:
    """Requests, pending first and oldest first among them, then the decided ones newest
    first."""
    query = select(ErasureRequest)
    if status is not None:
        query = query.where(ErasureRequest.status == status)
    waiting = ErasureRequest.status == ErasureStatus.PENDING
    rows = db.session.scalars(
        query.order_by(
            waiting.desc(),
            func.coalesce(ErasureRequest.decided_at, ErasureRequest.requested_at).desc(),
            ErasureRequest.id.desc(),
        )
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pending = db.session.scalar(select(func.count(ErasureRequest.id)).where(waiting))
    return Listing(list(rows), total, pending)


def get(request_id: int) -> ErasureRequest:
    req = db.session.get(ErasureRequest, request_id)
    if req is None:
        raise NotFound("删除申请不存在", code="erasure_not_found")
    return req


@dataclass
class OrderLine:
    """An order of a request as the officer sees it: masked, never plaintext."""

    order_no: str
    status: str | None
    received_at: datetime | None
    ended: bool
    erased_at: datetime | None
    content: str | None


def order_lines(req: ErasureRequest) -> list[OrderLine]:
    ids = [o["id"] for o in req.orders]
    now = utcnow()
    found = {
        o.id: (o, ended)
        for o, ended in db.session.execute(
            select(Order, ended_clause(now)).where(Order.id.in_(ids))
        ).all()
    }
    lines = []
    for item in req.orders:
        order, ended = found.get(item["id"], (None, False))
        if order is None:
            lines.append(OrderLine(item["order_no"], None, None, False, None, None))
            continue
        lines.append(
            OrderLine(
                order.order_no,
                str(order.status),
                order.received_at,
                bool(ended),
                order.personal_erased_at,
                masked(order, ("content",))["content"],
            )
        )
    return lines


def _decided(req: ErasureRequest) -> None:
    if req.status != ErasureStatus.PENDING:
        raise Conflict("该删除申请已处理", code="erasure_decided")


def decide(
    req: ErasureRequest,
    officer: Actor,
    *,
    approve: bool,
    note: str | None = None,
    retain_until: date | None = None,
    now: datetime | None = None,
) -> ErasureRequest:
    """Approve (erase now) or refuse (a legal retention applies, kept until a date)."""
    _decided(req)
    now = now or utcnow()
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise Invalid(f"处理意见不能超过{NOTE_MAX}个字", details={"field": "note"})
    if approve:
        retain_until = None
        rows = db.session.execute(
            _eligible(req.phone_bidx, now).where(Order.id.in_([o["id"] for o in req.orders]))
        ).all()
        ctx = AccessContext.for_staff(
            officer.user_id,
            officer.role,
            officer.unit_id,
            purpose=PURPOSE.format(id=req.id),
        ).with_request()
        retention.erase_orders(db.session, rows, now=now, ctx=ctx)
        req.erased_orders = len(rows)
        req.status = ErasureStatus.APPROVED
    else:
        if note is None:
            raise Invalid("不予删除须说明理由（适用的法定保存要求）", details={"field": "note"})
        years = current_app.config["ERASURE_RETENTION_MAX_YEARS"]
        latest = now.date() + timedelta(days=round(365.25 * years))
        if retain_until is None or not now.date() < retain_until <= latest:
            raise Invalid(
                "不予删除须写明依法保存至哪一天（今天之后）", details={"field": "retain_until"}
            )
        req.status = ErasureStatus.REFUSED
        req.retain_until = retain_until
    seal_field(runtime().cipher, req, "decision_note", note)
    req.decided_at = now
    req.decided_by_id = officer.user_id
    db.session.flush()
    return req
