"""Input (…In) and output (…Out) schemas of the citizen API; the OpenAPI document is
generated from them. Output schemas whitelist fields: personal data only ever arrives
here already masked (``hotline.services.citizen_view``)."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

from hotline.models.enums import (
    CHANNEL_LABELS,
    KIND_LABELS,
    RESOLUTION_LABELS,
    SATISFACTION_LABELS,
    STATUS_LABELS,
    TIME_LIMIT_LABELS,
    UNIT_KIND_LABELS,
    Channel,
    OrderKind,
    OrderStatus,
    Resolution,
    Satisfaction,
)
from hotline.schemas import InSchema, LocalTime, text
from privacy.blind_index import NormalisationError, normalise_phone

CONTENT_MAX = 1000
CONTENT_MIN = 5
COMMENT_MAX = 500
ADDRESS_MAX = 200
_MOBILE = re.compile(r"1[3-9]\d{9}")


PHONE_MESSAGE = "请输入正确的11位手机号码"


class Phone(fields.String):
    """A mainland mobile number, normalised (spaces, +86 and full-width digits allowed)."""

    def __init__(self, **kwargs):
        # The validator only documents the bounds; _deserialize checks them on the raw text.
        kwargs.setdefault("validate", validate.Length(min=11, max=24, error=PHONE_MESSAGE))
        meta = {"description": "11位手机号码，可带 +86、空格或连字符", **kwargs.pop("metadata", {})}
        super().__init__(metadata=meta, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        if not 11 <= len(raw) <= 24:  # as written, before normalising (the documented bounds)
            raise ValidationError(PHONE_MESSAGE)
        try:
            phone = normalise_phone(raw)
        except NormalisationError:
            phone = ""
        if not _MOBILE.fullmatch(phone):
            raise ValidationError(PHONE_MESSAGE)
        return phone


def _digits(n: int, message: str) -> fields.String:
    return fields.String(required=True, validate=validate.Regexp(rf"^\d{{{n}}}$", error=message))


def _text(func, **meta) -> fields.Function:
    """A computed string field, typed for the OpenAPI document."""
    return fields.Function(func, metadata={"type": "string", **meta})


def _label(labels: dict, attr: str):
    def get(obj):
        value = getattr(obj, attr, None)
        return labels[value] if value is not None else None

    return fields.Function(get, metadata={"type": "string", "nullable": True})


# -- input --------------------------------------------------------------------------------
class SmsCodeIn(InSchema):
    phone = Phone(required=True, metadata={"example": "13800138000"})


class TokenIn(InSchema):
    phone = Phone(required=True, metadata={"example": "13800138000"})
    code = _digits(6, "验证码应为6位数字")


class LookupIn(InSchema):
    order_no = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9A-Za-z-]{1,24}$", error="工单编号格式不正确"),
        metadata={"example": "20261122000001"},
    )
    query_code = _digits(8, "查询码应为8位数字")


class MyOrdersIn(InSchema):
    status = fields.List(
        fields.Enum(OrderStatus, by_value=True),
        load_default=None,
        metadata={"description": "按状态筛选，可重复"},
    )
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=10_000, error="页码无效")
    )
    per_page = fields.Integer(
        load_default=10, validate=validate.Range(min=1, max=50, error="每页 1 到 50 条")
    )


class RatingIn(InSchema):
    resolution = fields.Enum(Resolution, by_value=True, required=True)
    satisfaction = fields.Enum(Satisfaction, by_value=True, required=True)
    comment = text(COMMENT_MAX, required=False, min_len=0)
    reopen = fields.Boolean(
        load_default=False, metadata={"description": "未解决且不满意时申请重新办理（仅一次）"}
    )


PHOTO_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def photo_id_list() -> fields.List:
    """Ids of photos uploaded beforehand (``POST /photos``); at most ``PHOTOS_PER_STEP``
    (6) are taken, checked by the service."""
    return fields.List(
        fields.String(validate=validate.Regexp(PHOTO_ID, error="照片编号格式不正确")),
        load_default=list,
        validate=validate.Length(max=20, error="照片过多"),
        metadata={"description": "先上传（POST /photos）得到的照片编号，每次最多 6 张"},
    )


class SubmitIn(InSchema):
    kind = fields.Enum(OrderKind, by_value=True, required=True)
    category_code = text(8, required=False)
    district_code = text(12)
    street_code = text(12)
    community_code = text(16, required=False)
    address = text(ADDRESS_MAX, required=False, min_len=0)
    content = text(CONTENT_MAX, min_len=CONTENT_MIN)
    confidential = fields.Boolean(load_default=False)
    channel = fields.Enum(
        Channel,
        by_value=True,
        load_default=Channel.MINIAPP,
        validate=validate.OneOf([Channel.MINIAPP, Channel.WEB], error="渠道只能是 miniapp 或 web"),
        metadata={"description": "miniapp：小程序；web：手机网页（H5）"},
    )
    photo_ids = photo_id_list()


class ParentIn(InSchema):
    parent = text(16, metadata={"description": "上级编码"})


class CategoryQueryIn(InSchema):
    parent = text(16, required=False, metadata={"description": "上级分类编码；不填为一级分类"})


# -- output -------------------------------------------------------------------------------
class ErrorDetailOut(Schema):
    code = fields.String(required=True, metadata={"example": "order_not_found"})
    message = fields.String(required=True, metadata={"example": "未找到该工单，请核对工单编号"})
    details = fields.Dict(required=True)


class ErrorOut(Schema):
    error = fields.Nested(ErrorDetailOut, required=True)


class SmsCodeOut(Schema):
    sent = fields.Boolean()
    expires_in = fields.Integer(metadata={"description": "验证码有效期（秒）"})
    resend_after = fields.Integer(metadata={"description": "多少秒后可重新获取"})
    dev_code = fields.String(
        allow_none=True,
        metadata={"description": "仅开发模式返回，生产环境从不返回"},
        dump_default=None,
    )


class TokenOut(Schema):
    token = fields.String()
    token_type = fields.String(metadata={"example": "Bearer"})
    expires_at = LocalTime()
    phone = fields.String(metadata={"description": "脱敏手机号", "example": "138****8000"})


class MeOut(Schema):
    phone = fields.String(metadata={"description": "脱敏手机号"})
    expires_at = LocalTime()


class UnitOut(Schema):
    name = fields.String(metadata={"description": "承办单位全称"})
    kind_label = _label(UNIT_KIND_LABELS, "kind")
    service_phone = fields.String(allow_none=True)


class HandlerOut(Schema):
    name = fields.String(allow_none=True, metadata={"description": "脱敏姓名，如 王*"})
    staff_no = fields.String(allow_none=True, metadata={"description": "工号"})
    service_phone = fields.String(allow_none=True, metadata={"description": "单位服务电话"})


class RequesterOut(Schema):
    name = fields.String(allow_none=True, metadata={"description": "脱敏姓名，如 张*"})
    phone = fields.String(allow_none=True, metadata={"description": "脱敏手机号"})
    address = fields.String(
        allow_none=True,
        metadata={
            "description": "诉求人填写的地址，截至社区或小区，不含楼号、单元和门牌号",
            "example": "北京市朝阳区望京街道望京西园三区",
        },
    )


class StepHandlerOut(Schema):
    name = fields.String(allow_none=True, metadata={"description": "脱敏姓名，如 王*"})
    staff_no = fields.String(allow_none=True, metadata={"description": "工号"})


class TimelinePhotoOut(Schema):
    photo_id = fields.String()
    source = fields.String(metadata={"description": "citizen：诉求人上传；staff：承办单位上传"})
    width = fields.Integer()
    height = fields.Integer()
    thumb_width = fields.Integer()
    thumb_height = fields.Integer()
    url = _text(
        lambda p: f"/api/v1/orders/{p.order_no}/photos/{p.photo_id}",
        description="原图地址（须携带登录令牌）",
    )
    thumb_url = _text(
        lambda p: f"/api/v1/orders/{p.order_no}/photos/{p.photo_id}?variant=thumb",
        description="缩略图地址（须携带登录令牌）",
    )


class TimelineOut(Schema):
    seq = fields.Integer()
    type = fields.String()
    label = fields.String()
    occurred_at = LocalTime()
    round = fields.Integer()
    unit = fields.String(allow_none=True)
    target_unit = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    new_deadline = LocalTime(allow_none=True)
    resolution_label = fields.Function(
        lambda e: RESOLUTION_LABELS[Resolution(e.resolution)] if e.resolution else None,
        metadata={"type": "string", "nullable": True},
    )
    satisfaction_label = fields.Function(
        lambda e: SATISFACTION_LABELS[Satisfaction(e.satisfaction)] if e.satisfaction else None,
        metadata={"type": "string", "nullable": True},
    )
    photos = fields.List(fields.Nested(TimelinePhotoOut), metadata={"description": "本步骤的照片"})
    handler = fields.Nested(
        StepHandlerOut,
        allow_none=True,
        metadata={"description": "办理这一步的承办人（签收、联系诉求人、办理进展、办结）"},
    )


class RatingOut(Schema):
    round = fields.Integer(metadata={"description": "第几轮办理的评价（重启办理后加一）"})
    resolution = fields.String()
    resolution_label = _label(RESOLUTION_LABELS, "resolution")
    satisfaction = fields.String()
    satisfaction_label = _label(SATISFACTION_LABELS, "satisfaction")
    comment = fields.String(allow_none=True, metadata={"description": "已去除个人信息"})
    reopen_requested = fields.Boolean()
    rated_at = LocalTime()


class RatingStateOut(Schema):
    can_rate = fields.Boolean()
    rate_until = LocalTime(allow_none=True)
    can_request_reopen = fields.Boolean()
    mine = fields.Nested(RatingOut, allow_none=True, metadata={"description": "本轮的评价"})
    history = fields.List(
        fields.Nested(RatingOut),
        metadata={"description": "本人各轮的评价，从第一轮起；重启办理后仍然保留"},
    )


class ActionsOut(Schema):
    can_urge = fields.Boolean(metadata={"description": "现在可以催办"})
    urge_from = LocalTime(
        allow_none=True, metadata={"description": "可以催办（或再次催办）的时间；为空表示不能催办"}
    )
    can_add_info = fields.Boolean(metadata={"description": "可以补充说明或照片"})
    can_withdraw = fields.Boolean(metadata={"description": "可以撤回（尚无单位签收）"})


class OrderSummaryOut(Schema):
    order_no = fields.String(attribute="order.order_no")
    kind = fields.String(attribute="order.kind.value")
    kind_label = _text(lambda v: KIND_LABELS[v.order.kind])
    status = fields.String(
        attribute="order.status.value",
        metadata={"description": "answered：热线直接解答，不派单，没有承办单位和办理期限"},
    )
    status_label = _text(lambda v: STATUS_LABELS[v.order.status])
    category = fields.String(allow_none=True, metadata={"description": "诉求分类"})
    received_at = LocalTime(attribute="order.received_at")
    deadline_at = LocalTime(
        attribute="order.deadline_at",
        metadata={"description": "办理期限；直接解答（answered）的工单不适用，请勿显示"},
    )
    completed_at = LocalTime(attribute="order.completed_at", allow_none=True)
    overdue = fields.Boolean()
    seconds_remaining = fields.Integer(
        allow_none=True, metadata={"description": "剩余秒数，超期为负，办结后为空"}
    )
    unit = fields.String(allow_none=True, metadata={"description": "承办单位全称"})
    summary = fields.String(allow_none=True, metadata={"description": "诉求摘要（已去除个人信息）"})
    following = fields.Boolean(
        metadata={"description": "关注的工单：您的重复诉求已并入他人此前的工单（不含对方信息）"}
    )


class OrderPageOut(Schema):
    items = fields.List(fields.Nested(OrderSummaryOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class OrderDetailOut(OrderSummaryOut):
    channel = fields.String(attribute="order.channel.value")
    channel_label = _text(lambda v: CHANNEL_LABELS[v.order.channel])
    time_limit = fields.String(attribute="order.time_limit.value")
    time_limit_label = _text(lambda v: TIME_LIMIT_LABELS[v.order.time_limit])
    district = fields.String()
    street = fields.String(allow_none=True)
    community = fields.String(allow_none=True)
    confidential = fields.Boolean(attribute="order.confidential")
    round = fields.Integer(attribute="order.round")
    repeat_count = fields.Integer(attribute="order.repeat_count")
    overdue_seconds = fields.Integer(allow_none=True, metadata={"description": "已超期秒数"})
    unit = fields.Nested(
        UnitOut, attribute="unit_info", allow_none=True, metadata={"description": "承办单位"}
    )
    handler = fields.Nested(
        HandlerOut,
        allow_none=True,
        metadata={"description": "本轮办理的承办人（重启办理后，单位再次办理前只有服务电话）"},
    )
    requester = fields.Nested(
        RequesterOut, allow_none=True, metadata={"description": "脱敏信息；保密工单为空"}
    )
    content = fields.String(allow_none=True, metadata={"description": "诉求内容（已去除个人信息）"})
    reply = fields.String(allow_none=True, metadata={"description": "办结答复"})
    timeline = fields.List(fields.Nested(TimelineOut))
    extensions = fields.List(fields.Nested(TimelineOut))
    returns = fields.List(fields.Nested(TimelineOut))
    rating = fields.Nested(RatingStateOut)
    actions = fields.Nested(ActionsOut, metadata={"description": "诉求人现在可做的操作"})


class LiveOut(Schema):
    """The clock-dependent part of ``OrderDetailOut`` (see ``miniapp_api.detail_cache``)."""

    overdue = fields.Boolean()
    seconds_remaining = fields.Integer(allow_none=True)
    overdue_seconds = fields.Integer(allow_none=True)
    rating = fields.Nested(RatingStateOut, exclude=("mine", "history"))
    actions = fields.Nested(ActionsOut)


class SubmitOut(Schema):
    merged = fields.Boolean(metadata={"description": "是否已并入此前的相同诉求"})
    following = fields.Boolean(
        metadata={"description": "并入的是他人提交的相同诉求：您已自动关注该工单，可随时取消关注"}
    )
    order_no = fields.String(attribute="order.order_no")
    query_code = fields.String(allow_none=True, metadata={"description": "仅新工单返回一次"})
    status = fields.String(attribute="order.status.value")
    status_label = _text(lambda r: STATUS_LABELS[r.order.status])
    deadline_at = LocalTime(attribute="order.deadline_at")
    message = _text(
        lambda r: (
            f"您的诉求与他人已反映的工单 {r.order.order_no} 相同，已合并办理；"
            "您已关注该工单，办理进展会通知您"
            if r.following
            else f"您的诉求与工单 {r.order.order_no} 相同，已合并办理"
            if r.merged
            else "诉求已受理，请保存工单编号和查询码"
        )
    )


class OptionOut(Schema):
    value = fields.String()
    label = fields.String()


class OptionsOut(Schema):
    kinds = fields.List(fields.Nested(OptionOut))
    statuses = fields.List(fields.Nested(OptionOut))
    resolutions = fields.List(fields.Nested(OptionOut))
    satisfactions = fields.List(fields.Nested(OptionOut))
    content_max = fields.Integer()
    comment_max = fields.Integer()
    rating_window_days = fields.Integer()


class PlaceOut(Schema):
    code = fields.String()
    name = fields.String()


class PlaceListOut(Schema):
    items = fields.List(fields.Nested(PlaceOut))


class CategoryOut(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.Integer()


class CategoryListOut(Schema):
    items = fields.List(fields.Nested(CategoryOut))


_INSTANCES: dict[type[Schema], Schema] = {}


def instance(schema_cls: type[Schema]) -> Schema:
    """One reusable instance per schema: building a schema deep-copies its fields, which
    costs more than dumping an order's whole timeline."""
    schema = _INSTANCES.get(schema_cls)
    if schema is None:
        schema = _INSTANCES.setdefault(schema_cls, schema_cls())
    return schema


def dump(schema_cls: type[Schema], obj) -> dict:
    return instance(schema_cls).dump(obj)


def load(schema_cls: type[Schema], data: dict) -> dict:
    return instance(schema_cls).load(data)


def options(labels: dict) -> list[dict]:
    return [{"value": k.value, "label": v} for k, v in labels.items()]


# -- photos, 催办, 补充说明, 撤回 (``views_actions``) -------------------------------------------
class Upload(fields.Field):
    """A file part of a multipart body (werkzeug's ``FileStorage``)."""

    default_error_messages = {"invalid": "请选择要上传的照片文件"}

    def _deserialize(self, value, attr, data, **kwargs):
        from werkzeug.datastructures import FileStorage

        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


class PhotoUploadIn(InSchema):
    photo = Upload(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "照片文件：JPEG、PNG 或 HEIC，最大 10 MB、5000 万像素；每次一张",
        },
    )


class PhotoUploadOut(Schema):
    photo_id = fields.String(attribute="public_id", metadata={"description": "提交时引用的编号"})
    mime = fields.String(metadata={"description": "保存的格式（重新编码，不含任何元数据）"})
    width = fields.Integer()
    height = fields.Integer()
    thumb_width = fields.Integer()
    thumb_height = fields.Integer()
    expires_at = LocalTime(metadata={"description": "在此之前未提交的照片将被删除"})


class PhotoQueryIn(InSchema):
    variant = fields.String(
        load_default="full",
        validate=validate.OneOf(["full", "thumb"], error="variant 只能是 full 或 thumb"),
        metadata={"description": "full：原图（已去除元数据）；thumb：缩略图"},
    )


class InformationIn(InSchema):
    text = text(CONTENT_MAX, required=False, min_len=0, metadata={"description": "补充说明"})
    photo_ids = photo_id_list()


class WithdrawIn(InSchema):
    reason = text(200, metadata={"description": "撤回原因"})


# -- my data (``views_me``) -----------------------------------------------------------------
class ReadsIn(InSchema):
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=10_000, error="页码无效")
    )
    per_page = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=100, error="每页 1 到 100 条")
    )


class ReadOut(Schema):
    occurred_at = LocalTime()
    order_no = fields.String(allow_none=True)
    who = fields.String(metadata={"description": "谁查看的：单位、角色、脱敏姓名与工号，或“本人”"})
    unit = fields.String(allow_none=True, metadata={"description": "查看人所在单位"})
    role = fields.String(metadata={"description": "查看人角色"})
    staff_name = fields.String(allow_none=True, metadata={"description": "脱敏姓名，如 王*"})
    staff_no = fields.String(allow_none=True, metadata={"description": "工号"})
    fields_read = fields.List(fields.String(), metadata={"description": "查看的个人信息项"})
    purpose = fields.String(allow_none=True, metadata={"description": "查看时说明的用途"})
    own = fields.Boolean(metadata={"description": "是否本人下载数据时的读取"})


class ReadPageOut(Schema):
    items = fields.List(fields.Nested(ReadOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ErasureIn(InSchema):
    order_nos = fields.List(
        fields.String(validate=validate.Regexp(r"^[0-9]{14}$", error="工单编号格式不正确")),
        load_default=None,
        validate=validate.Length(min=1, max=200, error="请选择 1 到 200 个工单"),
        metadata={"description": "要删除个人信息的已结束工单；不填为全部已结束工单"},
    )


class ErasureOut(Schema):
    request_id = fields.String(attribute="uuid")
    status = fields.String()
    status_label = fields.String()
    requested_at = LocalTime()
    order_nos = fields.List(fields.String())
    decided_at = LocalTime(allow_none=True)
    decision_note = fields.String(
        allow_none=True, metadata={"description": "处理意见（已去除个人信息）"}
    )
    retain_until = fields.Date(
        allow_none=True, metadata={"description": "不予删除时：依法保存至该日期"}
    )
    erased_orders = fields.Integer(metadata={"description": "已删除个人信息的工单数"})


class ErasureListOut(Schema):
    items = fields.List(fields.Nested(ErasureOut))
