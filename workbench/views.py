"""Staff API views: parse with a schema, call one service, dump with a schema."""

from __future__ import annotations

from dataclasses import asdict
from itertools import chain

from flask import Response, g, jsonify, request
from sqlalchemy import select

from hotline.errors import ApiError, Invalid
from hotline.extensions import db
from hotline.media.images import MAX_PHOTO_BYTES
from hotline.models.categories import Category
from hotline.models.enums import Role
from hotline.models.places import Community, District, Street
from hotline.models.units import Unit
from hotline.schemas import json_body
from hotline.services import intake, lifecycle, queries, reference, staff, visibility
from hotline.services.citizen import photos
from hotline.web.auth import bearer_token, staff_required
from hotline.web.input import accepts_body
from hotline.web.pipeline import writes
from workbench import bp
from workbench import schemas as s
from workbench.limits import limit
from workbench.requester import events_view, requester_view

HANDLER = Role.HANDLER


def _body(schema_cls):
    return schema_cls().load(json_body())


def _by_code(model, code: str | None, what: str):
    if code is None:
        return None
    row = db.session.scalar(select(model).where(model.code == code))
    if row is None:
        raise Invalid(f"{what}编码 {code} 不存在", details={"field": what})
    return row


def _unit(code: str | None) -> Unit | None:
    return _by_code(Unit, code, "承办单位")


def _order_response(order, status=200, reveal=(), purpose=None):
    db.session.flush()
    access = visibility.require_staff(order, g.actor)
    body = s.OrderOut().dump(order)
    fields = tuple(name for name in reveal if name != "notes")
    body.update(requester_view(order, g.actor, access, fields, purpose))
    notes = events_view(order, g.actor, access, "notes" in reveal, purpose)
    for event, texts in zip(body["events"], notes, strict=True):
        event.update(texts)
    body["revealed"] = sorted(reveal)
    seqs = {e.id: e.seq for e in order.events}
    body["photos"] = [
        s.PhotoOut().dump({**asdict(ref), "event_seq": seqs.get(ref.event_id)})
        for ref in photos.refs(order.id)
    ]
    return jsonify(body), status


# -- auth ---------------------------------------------------------------------------------
@bp.post("/auth/login")
@limit("login_client")
@limit("login_user", failures_only=True)
def login():
    data = _body(s.LoginIn)
    token, record = staff.login(data["username"], data["password"], request.remote_addr)
    return jsonify(
        s.LoginOut().dump({"token": token, "expires_at": record.expires_at, "user": record.user})
    )


@bp.post("/auth/logout")
@staff_required()
def logout():
    staff.logout(bearer_token())
    return "", 204


@bp.get("/me")
@staff_required()
def me():
    return jsonify(s.StaffOut().dump(g.staff_user))


# -- reading ------------------------------------------------------------------------------
@bp.get("/orders")
@staff_required()
def list_orders():
    args = request.args.to_dict()
    if "status" in request.args:
        args["status"] = request.args.getlist("status")
    data = s.ListIn().load(args)
    district = _by_code(District, data.get("district_code"), "区")
    unit = _unit(data.get("unit_code"))
    flt = queries.OrderFilter(
        status=data["status"],
        overdue=data["overdue"],
        district_id=district.id if district else None,
        unit_id=unit.id if unit else None,
        received_from=data["received_from"],
        received_to=data["received_to"],
        page=data["page"],
        per_page=data["per_page"],
        scope=data["scope"],
    )
    rows, total = queries.list_orders(g.actor, flt)
    return jsonify(
        {
            "items": s.OrderSummaryOut(many=True).dump(rows),
            "page": flt.page,
            "per_page": flt.per_page,
            "total": total,
        }
    )


@bp.get("/orders/<order_no>")
@writes  # a reveal writes its access-log entry in the same transaction as the read
@staff_required()
def order_detail(order_no: str):
    args = s.DetailIn().load(
        {
            "reveal": request.args.getlist("reveal"),
            **({"purpose": request.args["purpose"]} if "purpose" in request.args else {}),
        }
    )
    order, _ = visibility.staff_order(order_no, g.actor)
    return _order_response(order, reveal=tuple(args["reveal"]), purpose=args.get("purpose"))


@bp.get("/units")
@staff_required()
def list_units():
    data = s.UnitsIn().load(request.args.to_dict())
    query = select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)
    if data.get("kind"):
        query = query.where(Unit.kind == data["kind"])
    if district := _by_code(District, data.get("district_code"), "区"):
        query = query.where(Unit.district_id == district.id)
    return jsonify({"items": s.UnitOut(many=True).dump(db.session.scalars(query.limit(1000)))})


# -- intake -------------------------------------------------------------------------------
@bp.post("/orders")
@staff_required(*lifecycle.INTAKE_ROLES)
def create_order():
    data = _body(s.IntakeIn)
    req = data["requester"] or {}
    result = intake.receive(
        g.actor,
        channel=data["channel"],
        kind=data["kind"],
        district=_by_code(District, data["district_code"], "区"),
        street=_by_code(Street, data.get("street_code"), "街道乡镇"),
        community=_by_code(Community, data.get("community_code"), "社区村"),
        category=_by_code(Category, data.get("category_code"), "分类"),
        content=data["content"],
        requester=intake.Requester(**req),
        confidential=data["confidential"],
        time_limit=data["time_limit"],
    )
    return jsonify(s.IntakeOut().dump(result)), 200 if result.merged else 201


# -- lifecycle steps ----------------------------------------------------------------------
def _step(order_no: str):
    """The order a step acts on, locked until the step commits; the step's own guards (the
    lifecycle table) decide."""
    return visibility.load_order(order_no, for_update=True)


@bp.post("/orders/<order_no>/answer")
@staff_required()
def answer(order_no):
    order = _step(order_no)
    lifecycle.answer_directly(order, g.actor, _body(s.ReplyIn)["reply"])
    return _order_response(order)


@bp.post("/orders/<order_no>/dispatch")
@staff_required()
def dispatch(order_no):
    data = _body(s.DispatchIn)
    order = _step(order_no)
    unit = _unit(data["unit_code"])
    joint = _unit(data.get("joint_unit_code"))
    if data["double"] and joint is None:
        joint = reference.district_government(unit.district_id) if unit.district_id else None
        if joint is None:
            raise Invalid("找不到该街道所在区的双派单位，请指定 joint_unit_code")
    lifecycle.dispatch(order, g.actor, unit, joint_unit=joint, note=data.get("note"))
    return _order_response(order)


@bp.post("/orders/<order_no>/accept")
@staff_required()
def accept(order_no):
    order = _step(order_no)
    lifecycle.accept(order, g.actor)
    return _order_response(order)


@bp.post("/orders/<order_no>/contact")
@staff_required()
def contact(order_no):
    order = _step(order_no)
    lifecycle.contact_requester(order, g.actor, _body(s.NoteIn).get("note"))
    return _order_response(order)


@bp.post("/orders/<order_no>/progress")
@staff_required()
def progress(order_no):
    data = _body(s.ProgressIn)
    order = _step(order_no)
    lifecycle.add_progress(order, g.actor, data["note"], data.get("internal_note"))
    photos.attach_staff(order, order.events[-1], g.actor, data["photo_ids"])
    return _order_response(order)


@bp.post("/orders/<order_no>/return")
@staff_required()
def return_order(order_no):
    order = _step(order_no)
    lifecycle.return_order(order, g.actor, _body(s.ReasonIn)["reason"])
    return _order_response(order)


@bp.post("/orders/<order_no>/dispute")
@staff_required()
def dispute(order_no):
    order = _step(order_no)
    lifecycle.dispute_dispatch(order, g.actor, _body(s.ReasonIn)["reason"])
    return _order_response(order)


@bp.post("/orders/<order_no>/dispute/reject")
@staff_required()
def reject_dispute(order_no):
    order = _step(order_no)
    lifecycle.reject_dispute(order, g.actor, _body(s.RequiredNoteIn)["note"])
    return _order_response(order)


@bp.post("/orders/<order_no>/extension")
@staff_required()
def request_extension(order_no):
    data = _body(s.ExtensionIn)
    order = _step(order_no)
    lifecycle.request_extension(order, g.actor, data["reason"], data["new_deadline"])
    return _order_response(order)


@bp.post("/orders/<order_no>/extension/decision")
@staff_required()
def decide_extension(order_no):
    data = _body(s.ExtensionDecisionIn)
    order = _step(order_no)
    lifecycle.decide_extension(order, g.actor, data["approve"], data.get("note"))
    return _order_response(order)


@bp.post("/orders/<order_no>/whistle")
@staff_required()
def whistle(order_no):
    data = _body(s.WhistleIn)
    order = _step(order_no)
    units = [_unit(code) for code in data["unit_codes"]]
    lifecycle.whistle(order, g.actor, units, data["note"])
    return _order_response(order)


@bp.post("/orders/<order_no>/escalate")
@staff_required()
def escalate(order_no):
    data = _body(s.EscalateIn)
    order = _step(order_no)
    lifecycle.escalate(order, g.actor, data["reason"], _unit(data.get("coordinator_unit_code")))
    return _order_response(order)


@bp.post("/orders/<order_no>/complete")
@staff_required()
def complete(order_no):
    data = _body(s.CompleteIn)
    order = _step(order_no)
    lifecycle.complete(order, g.actor, data["reply"])
    photos.attach_staff(order, order.events[-1], g.actor, data["photo_ids"])
    return _order_response(order)


@bp.post("/orders/<order_no>/follow-up")
@staff_required()
def follow_up(order_no):
    data = _body(s.FollowUpIn)
    order = _step(order_no)
    lifecycle.follow_up(order, g.actor, data["resolution"], data["satisfaction"], data.get("note"))
    return _order_response(order)


@bp.post("/orders/<order_no>/reopen")
@staff_required()
def reopen(order_no):
    order = _step(order_no)
    lifecycle.reopen(order, g.actor, _body(s.ReasonIn)["reason"])
    return _order_response(order)


@bp.post("/orders/<order_no>/close")
@staff_required()
def close(order_no):
    order = _step(order_no)
    lifecycle.close(order, g.actor, _body(s.NoteIn).get("note"))
    return _order_response(order)


# -- photos ---------------------------------------------------------------------------------
@bp.post("/orders/<order_no>/photos")
@accepts_body(MAX_PHOTO_BYTES + 64 * 1024)
@staff_required()
def upload_photo(order_no):
    """An "after" photo (multipart, field ``photo``) for the caller's next progress or
    completion step on the order: name it in that step's ``photo_ids``."""
    if request.mimetype != "multipart/form-data":
        raise ApiError(
            "请以 multipart/form-data 格式上传照片（字段名 photo）",
            code="unsupported_media_type",
            status=415,
        )
    files = request.files.getlist("photo")
    try:
        if len(files) != 1:
            raise Invalid("请上传一张照片（字段名 photo）", details={"field": "photo"})
        data = files[0].read()
    finally:  # a large part is spooled to a temporary file: close them all now
        for part in chain.from_iterable(request.files.listvalues()):
            part.close()
    att = photos.stage_for_staff(order_no, g.actor, data)
    return jsonify(s.StagedPhotoOut().dump(photos.staged(att))), 201


@bp.get("/orders/<order_no>/photos/<photo_id>")
@writes  # each staff view of a photo writes its access-log entry
@staff_required()
def order_photo(order_no, photo_id):
    """A photo of the order for a unit handling it, its uploader, or a privacy officer with
    a ``purpose``; one access-log entry per view."""
    data = s.PhotoIn().load(request.args.to_dict())
    served = photos.for_staff(order_no, photo_id, g.actor, data["variant"], data.get("purpose"))
    return Response(served.data, mimetype=served.mime)
