"""Input (…In) and output (…Out) schemas of the staff API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hotline.models.enums import (
    EVENT_LABELS,
    STATUS_LABELS,
    Channel,
    OrderKind,
    OrderStatus,
    Resolution,
    Role,
    Satisfaction,
    TimeLimit,
    UnitKind,
)
from hotline.schemas import InSchema, LocalTime, in_time, text
from hotline.services import deadlines
from hotline.services.lifecycle.table import OPEN
from privacy.catalog import REVEALABLE

NOTE = 2000


class LoginIn(InSchema):
    username = text(64)
    password = text(256)


class RequesterIn(InSchema):
    name = text(64, required=False)
    phone = text(32, required=False)
    id_number = text(32, required=False)
    address = text(200, required=False)


class IntakeIn(InSchema):
    channel = fields.Enum(Channel, by_value=True, required=True)
    kind = fields.Enum(OrderKind, by_value=True, required=True)
    category_code = text(8, required=False)
    district_code = text(12)
    street_code = text(12, required=False)
    community_code = text(16, required=False)
    content = text(4000)
    requester = fields.Nested(RequesterIn, load_default=None)
    confidential = fields.Boolean(load_default=False)
    time_limit = fields.Enum(TimeLimit, by_value=True, load_default=None)


class ReplyIn(InSchema):
    reply = text(NOTE)


class NoteIn(InSchema):
    note = text(NOTE, required=False)


PHOTO_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def photo_id_list() -> fields.List:
    """Ids of "after" photos uploaded beforehand (``POST /orders/<no>/photos``)."""
    return fields.List(
        fields.String(validate=validate.Regexp(PHOTO_ID, error="照片编号格式不正确")),
        load_default=list,
        validate=validate.Length(max=20, error="照片过多"),
    )


class ProgressIn(InSchema):
    note = text(NOTE)
    internal_note = text(NOTE, required=False)
    photo_ids = photo_id_list()


class CompleteIn(InSchema):
    reply = text(NOTE)
    photo_ids = photo_id_list()


class PhotoIn(InSchema):
    variant = fields.String(
        load_default="full",
        validate=validate.OneOf(["full", "thumb"], error="variant 只能是 full 或 thumb"),
    )
    purpose = text(200, required=False)


class StagedPhotoOut(Schema):
    photo_id = fields.String(attribute="public_id")
    mime = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    thumb_width = fields.Integer()
    thumb_height = fields.Integer()
    expires_at = LocalTime()


class PhotoOut(Schema):
    photo_id = fields.String()
    event_seq = fields.Integer(allow_none=True)  # the step that brought it
    source = fields.String()
    mime = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    thumb_width = fields.Integer()
    thumb_height = fields.Integer()
    attached_at = LocalTime()


class ReasonIn(InSchema):
    reason = text(NOTE)


class RequiredNoteIn(InSchema):
    note = text(NOTE)


class DispatchIn(InSchema):
    unit_code = text(24)
    double = fields.Boolean(load_default=False)
    joint_unit_code = text(24, required=False)
    note = text(NOTE, required=False)


class ExtensionIn(InSchema):
    reason = text(NOTE)
    new_deadline = in_time(required=True)


class ExtensionDecisionIn(InSchema):
    approve = fields.Boolean(required=True)
    note = text(NOTE, required=False)


class WhistleIn(InSchema):
    unit_codes = fields.List(
        text(24),
        required=True,
        validate=validate.Length(min=1, max=10, error="请选择 1 到 10 个部门"),
    )
    note = text(NOTE)


class EscalateIn(InSchema):
    reason = text(NOTE)
    coordinator_unit_code = text(24, required=False)


class FollowUpIn(InSchema):
    resolution = fields.Enum(Resolution, by_value=True, required=True)
    satisfaction = fields.Enum(Satisfaction, by_value=True, required=True)
    note = text(NOTE, required=False)


class DetailIn(InSchema):
    """Plaintext is asked for field by field; the role matrix decides (privacy.matrix)."""

    reveal = fields.List(
        fields.String(validate=validate.OneOf([*REVEALABLE, "notes"], error="不支持的字段")),
        load_default=list,
    )
    purpose = text(200, required=False)


class UnitsIn(InSchema):
    kind = fields.Enum(UnitKind, by_value=True)
    district_code = text(12, required=False)


class ListIn(InSchema):
    status = fields.List(fields.Enum(OrderStatus, by_value=True), load_default=None)
    overdue = fields.Boolean(load_default=None)
    district_code = text(12, required=False)
    unit_code = text(24, required=False)
    received_from = in_time(load_default=None)
    received_to = in_time(load_default=None)
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=100_000, error="页码无效")
    )
    per_page = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=100, error="每页 1 到 100 条")
    )
    scope = fields.String(
        load_default="current",
        validate=validate.OneOf(["current", "all"], error="取值应为 current 或 all"),
        metadata={"description": "承办单位：current 为在办工单，all 含已退回或已办结的工单"},
    )


# -- output ------------------------------------------------------------------------------
class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String(attribute="kind.value")
    service_phone = fields.String()


class StaffOut(Schema):
    username = fields.String()
    display_name = fields.String()
    staff_no = fields.String()
    role = fields.Enum(Role, by_value=True)
    unit = fields.Nested(UnitOut, allow_none=True)


class LoginOut(Schema):
    token = fields.String()
    expires_at = LocalTime()
    user = fields.Nested(StaffOut)


class EventOut(Schema):
    seq = fields.Integer()
    type = fields.String(attribute="type.value")
    label = fields.Function(lambda e: EVENT_LABELS[e.type])
    occurred_at = LocalTime()
    round = fields.Integer()
    actor = fields.Function(lambda e: e.actor.staff_no if e.actor else None)
    actor_role = fields.Function(lambda e: e.actor_role.value if e.actor_role else None)
    unit = fields.Function(lambda e: e.unit.name if e.unit else None)
    target_unit = fields.Function(lambda e: e.target_unit.name if e.target_unit else None)
    # public_note, reason (redacted unless revealed) and notes_revealed come from the
    # view (workbench.requester.events_view): they are sealed.
    has_internal_note = fields.Function(lambda e: e.internal_note is not None)
    new_deadline = LocalTime()
    data = fields.Dict()


class AssignmentOut(Schema):
    unit = fields.Nested(UnitOut)
    role = fields.String(attribute="role.value")
    state = fields.String(attribute="state.value")
    dispatched_at = LocalTime()
    accepted_at = LocalTime()


class OrderSummaryOut(Schema):
    order_no = fields.String()
    kind = fields.String(attribute="kind.value")
    channel = fields.String(attribute="channel.value")
    status = fields.String(attribute="status.value")
    status_label = fields.Function(lambda o: STATUS_LABELS[o.status])
    time_limit = fields.String(attribute="time_limit.value")
    confidential = fields.Boolean()
    received_at = LocalTime()
    deadline_at = LocalTime()
    completed_at = LocalTime()
    overdue = fields.Function(lambda o: deadlines.is_overdue(o))
    seconds_remaining = fields.Function(lambda o: deadlines.seconds_remaining(o))
    responded_in_time = fields.Function(lambda o: deadlines.responded_in_time(o))
    lead_unit = fields.Function(lambda o: o.lead_unit.name if o.lead_unit else None)
    repeat_count = fields.Integer()
    round = fields.Integer()
    # The requester's 催办: flagged while the order is open.
    urged = fields.Function(lambda o: o.last_urged_at is not None and o.status in OPEN)
    last_urged_at = LocalTime()
    urge_count = fields.Integer()


class OrderOut(OrderSummaryOut):
    district = fields.Function(lambda o: o.district.name)
    street = fields.Function(lambda o: o.street.name if o.street else None)
    community = fields.Function(lambda o: o.community.name if o.community else None)
    category = fields.Function(lambda o: o.category.name if o.category else None)
    category_code = fields.Function(lambda o: o.category.code if o.category else None)
    assignments = fields.List(fields.Nested(AssignmentOut))
    events = fields.List(fields.Nested(EventOut))


class IntakeOut(Schema):
    merged = fields.Boolean()
    order_no = fields.String(attribute="order.order_no")
    query_code = fields.String()
    status = fields.String(attribute="order.status.value")
    deadline_at = LocalTime(attribute="order.deadline_at")
