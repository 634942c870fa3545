"""Schema building blocks shared by the JSON APIs: Chinese error messages, times shown in
Asia/Shanghai, and a base schema that refuses unknown fields."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from marshmallow import RAISE, Schema, ValidationError, fields, validate

SHANGHAI = ZoneInfo("Asia/Shanghai")

# marshmallow's messages are English; citizens and staff read these. Set once, here.
fields.Field.default_error_messages.update(
    {
        "required": "此项为必填项",
        "null": "此项不能为空",
        "validator_failed": "取值无效",
    }
)
fields.String.default_error_messages.update({"invalid": "应为文本", "invalid_utf8": "文本编码无效"})
fields.Integer.default_error_messages.update({"invalid": "应为整数", "too_large": "数值过大"})
fields.Number.default_error_messages.update({"invalid": "应为数字", "too_large": "数值过大"})
fields.Boolean.default_error_messages.update({"invalid": "应为 true 或 false"})
fields.Enum.default_error_messages.update({"unknown": "取值应为以下之一：{choices}"})
fields.DateTime.default_error_messages.update(
    {
        "invalid": "时间格式无效，请使用 ISO 8601 格式",
        "invalid_awareness": "时间格式无效",
        "format": "时间格式无效",
    }
)
fields.List.default_error_messages.update({"invalid": "应为列表"})
fields.Email.default_error_messages.update({"invalid": "邮箱地址无效"})
Schema._default_error_messages = {  # noqa: SLF001
    **Schema._default_error_messages,  # noqa: SLF001
    "type": "请求体应为 JSON 对象",
    "unknown": "不支持的字段",
}


class InSchema(Schema):
    class Meta:
        unknown = RAISE


def text(max_len: int, *, required: bool = True, min_len: int = 1, **kw) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Length(
            min=min_len, max=max_len, error=f"长度应在 {min_len} 到 {max_len} 个字符之间"
        ),
        **kw,
    )


class LocalTime(fields.DateTime):
    """An output time in Beijing time, ISO 8601 with +08:00."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(SHANGHAI).isoformat(timespec="seconds")


class InTime(fields.AwareDateTime):
    """An input time between 2000 and 2099; a time without an offset is Beijing time.

    Outside that range no order, deadline or report exists, and the year 1 with an offset
    cannot even be represented in UTC (an OverflowError): both are refused as bad input."""

    EARLIEST = datetime(2000, 1, 1, tzinfo=SHANGHAI)
    LATEST = datetime(2100, 1, 1, tzinfo=SHANGHAI)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            moment = super()._deserialize(value, attr, data, **kwargs)
            moment.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError(TIME_RANGE_MESSAGE) from None
        if not self.EARLIEST <= moment < self.LATEST:
            raise ValidationError(TIME_RANGE_MESSAGE)
        return moment


TIME_RANGE_MESSAGE = "时间应在 2000 年至 2099 年之间"


def in_time(**kw) -> fields.AwareDateTime:
    """An input time; a time without an offset is read as Beijing time."""
    return InTime(default_timezone=SHANGHAI, **kw)


def json_body() -> dict:
    """The request's JSON object; an empty body is an empty object, bad JSON a 400."""
    from flask import request

    from hotline.errors import ApiError

    if not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise ApiError("请使用 JSON 格式提交", code="unsupported_media_type", status=415)
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError("请求体不是有效的 JSON", code="bad_json")
    return data
