"""Schemas of WeChat login, subscriptions, notification settings and the inbox."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from hotline.models.notifications import CITIZEN_KINDS, KIND_LABELS
from hotline.schemas import InSchema, LocalTime, text

KINDS = [k.value for k in CITIZEN_KINDS]
TEMPLATES_MAX = 20


# -- input --------------------------------------------------------------------------------
class WeChatLoginIn(InSchema):
    code = text(128, metadata={"description": "wx.login 返回的 code（5 分钟内有效，只能用一次）"})


class WeChatPhoneIn(InSchema):
    ticket = text(
        512, metadata={"description": "微信登录返回的绑定凭证（10 分钟内有效，只能用一次）"}
    )
    code = text(128, metadata={"description": "手机号快速验证组件（getPhoneNumber）返回的 code"})


class SubscriptionsIn(InSchema):
    template_ids = fields.List(
        text(64),
        required=True,
        validate=validate.Length(min=1, max=TEMPLATES_MAX, error="模板数量应为 1 到 20 个"),
        metadata={"description": "wx.requestSubscribeMessage 中用户选择“允许”的模板 ID"},
    )
    long_term = fields.Boolean(
        load_default=False,
        metadata={"description": "长期订阅（政务民生类小程序）；否则为一次性订阅，每次允许一条"},
    )


class NotifyPreferencesIn(InSchema):
    wechat = fields.Boolean(metadata={"description": "接收微信订阅消息"})
    sms = fields.Boolean(
        metadata={"description": "接收短信（晚 22 点至早 7 点不发，紧急工单除外）"}
    )
    kinds = fields.Dict(
        keys=fields.String(validate=validate.OneOf(KINDS, error="没有这种消息类型")),
        values=fields.Boolean(),
        metadata={"description": "按消息类型开关推送（站内消息始终保留）"},
    )


class InboxQueryIn(InSchema):
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=10_000, error="页码无效")
    )
    per_page = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=50, error="每页 1 到 50 条")
    )
    unread = fields.Boolean(load_default=False, metadata={"description": "只看未读"})


class InboxReadIn(InSchema):
    ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1, error="消息编号无效")),
        validate=validate.Length(min=1, max=100, error="一次最多标记 100 条"),
        metadata={"description": "要标记为已读的消息编号"},
    )
    all = fields.Boolean(load_default=False, metadata={"description": "全部标记为已读"})

    @validates_schema
    def _one_of(self, data, **kwargs):
        if not data.get("all") and not data.get("ids"):
            raise ValidationError("请给出消息编号，或将 all 设为 true", "ids")


# -- output -------------------------------------------------------------------------------
class WeChatLoginOut(Schema):
    bound = fields.Boolean(
        metadata={"description": "该微信已绑定手机号：返回令牌；否则返回绑定凭证"}
    )
    token = fields.String(allow_none=True)
    token_type = fields.String(allow_none=True, metadata={"example": "Bearer"})
    expires_at = LocalTime(allow_none=True, metadata={"description": "令牌有效期"})
    phone = fields.String(allow_none=True, metadata={"description": "脱敏手机号"})
    ticket = fields.String(
        allow_none=True, metadata={"description": "绑定凭证：用于 /auth/wechat/phone"}
    )
    ticket_expires_at = LocalTime(allow_none=True)


class SubscriptionConsentOut(Schema):
    template_id = fields.String()
    long_term = fields.Boolean()
    remaining = fields.Integer(metadata={"description": "一次性订阅剩余可发送条数"})


class SubscriptionsOut(Schema):
    items = fields.List(fields.Nested(SubscriptionConsentOut))


class NotifyPreferencesOut(Schema):
    wechat = fields.Boolean()
    sms = fields.Boolean()
    kinds = fields.Dict(keys=fields.String(), values=fields.Boolean())
    labels = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "消息类型名称"}
    )
    wechat_bound = fields.Boolean(metadata={"description": "当前手机号已绑定微信"})
    quiet_hours = fields.List(
        fields.Integer(), metadata={"description": "短信免打扰时段（北京时间，起止小时）"}
    )


class InboxMessageOut(Schema):
    id = fields.Integer()
    order_no = fields.String()
    kind = fields.String(attribute="kind.value")
    kind_label = fields.String()
    title = fields.String()
    body = fields.String(allow_none=True, metadata={"description": "消息内容（已去除个人信息）"})
    following = fields.Boolean(metadata={"description": "关注的工单（非本人提交）"})
    created_at = LocalTime()
    read_at = LocalTime(allow_none=True)


class InboxPageOut(Schema):
    items = fields.List(fields.Nested(InboxMessageOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    unread = fields.Integer(metadata={"description": "未读消息数"})


class InboxReadOut(Schema):
    marked = fields.Integer(metadata={"description": "本次标记为已读的条数"})
    unread = fields.Integer(metadata={"description": "剩余未读消息数"})


def labels() -> dict[str, str]:
    return {k.value: v for k, v in KIND_LABELS.items()}
