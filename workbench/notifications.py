"""Staff API: the notices of a handler's unit (催办 by a requester), and the notifications
that could not be delivered (dead letters), for supervisors and administrators. Nothing
personal is listed: order number, channel, kind, recipient role (requester or follower),
attempts and the error code."""

from __future__ import annotations

from flask import g, jsonify, request
from marshmallow import Schema, fields, validate

from hotline.errors import Forbidden
from hotline.models.enums import Role
from hotline.models.notifications import (
    CHANNEL_LABELS,
    KIND_LABELS,
    STATE_LABELS,
    DeliveryState,
)
from hotline.schemas import InSchema, LocalTime, json_body
from hotline.services.notifications import deadletters, unit_notices
from hotline.web.auth import staff_required
from workbench import bp

OVERSEERS = (Role.SUPERVISOR, Role.ADMIN)


class DeadLettersIn(InSchema):
    state = fields.Enum(
        DeliveryState,
        by_value=True,
        load_default=None,
        validate=validate.OneOf(
            [DeliveryState.DEAD, DeliveryState.UNCERTAIN], error="只能是 dead 或 uncertain"
        ),
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class DeadLetterOut(Schema):
    id = fields.Integer()
    order_no = fields.String()
    channel = fields.String(attribute="channel.value")
    channel_label = fields.Function(lambda d: CHANNEL_LABELS[d.channel])
    kind = fields.String(attribute="kind.value")
    kind_label = fields.Function(lambda d: KIND_LABELS[d.kind])
    state = fields.String(attribute="state.value")
    state_label = fields.Function(lambda d: STATE_LABELS[d.state])
    recipient = fields.String()
    recipient_label = fields.Function(lambda d: "关注人" if d.recipient == "follower" else "诉求人")
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = LocalTime()
    finished_at = LocalTime(allow_none=True)


class DeadLetterPageOut(Schema):
    items = fields.List(fields.Nested(DeadLetterOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


@bp.get("/notifications/dead-letters")
@staff_required(*OVERSEERS)
def dead_letters():
    args = DeadLettersIn().load(request.args.to_dict())
    items, total = deadletters.listing(args["state"], args["page"], args["per_page"])
    body = {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}
    return jsonify(DeadLetterPageOut().dump(body))


@bp.post("/notifications/dead-letters/<int:delivery_id>/retry")
@staff_required(*OVERSEERS)
def retry_dead_letter(delivery_id: int):
    delivery = deadletters.retry(delivery_id)
    return jsonify({"id": delivery.id, "state": delivery.state.value, "queued": True}), 202


# -- notices of the handler's unit --------------------------------------------------------
class NoticesIn(InSchema):
    unread = fields.Boolean(load_default=False, metadata={"description": "只看未读"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class NoticesReadIn(InSchema):
    ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        validate=validate.Length(min=1, max=200, error="一次标记 1 到 200 条"),
        load_default=None,
        metadata={"description": "要标记为已读的通知；不填则标记本单位全部未读通知"},
    )


class NoticeOut(Schema):
    id = fields.Integer()
    order_no = fields.String()
    kind = fields.String(attribute="kind.value")
    kind_label = fields.Function(lambda n: KIND_LABELS[n.kind])
    title = fields.String()
    created_at = LocalTime()
    read = fields.Function(lambda n: n.read_at is not None)
    read_at = LocalTime(allow_none=True)


class NoticePageOut(Schema):
    items = fields.List(fields.Nested(NoticeOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    unread = fields.Integer()


def _own_unit() -> int:
    unit_id = g.staff_user.unit_id
    if unit_id is None:
        raise Forbidden("您不属于承办单位，没有单位通知", code="no_unit")
    return unit_id


@bp.get("/notices")
@staff_required()
def notices():
    args = NoticesIn().load(request.args.to_dict())
    items, total, unread = unit_notices.listing(
        _own_unit(), unread=args["unread"], page=args["page"], per_page=args["per_page"]
    )
    body = {
        "items": items,
        "page": args["page"],
        "per_page": args["per_page"],
        "total": total,
        "unread": unread,
    }
    return jsonify(NoticePageOut().dump(body))


@bp.post("/notices/read")
@staff_required()
def read_notices():
    args = NoticesReadIn().load(json_body())
    changed = unit_notices.mark_read(_own_unit(), args["ids"])
    return jsonify({"marked": changed})
