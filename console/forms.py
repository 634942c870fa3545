"""The console's forms and query strings, parsed with marshmallow: every value bounded,
unknown or malformed input refused with a Chinese message before any query runs."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from hotline.models.enums import Role
from hotline.schemas import text
from hotline.services.privacy_office.search import VALUE_KINDS
from privacy.catalog import ORDER_FIELDS
from privacy.roles import SYSTEM_ROLE

ROLES = [str(r) for r in Role] + [SYSTEM_ROLE]
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token, submit buttons


class LoginIn(_Form):
    """Every attempt reaches the sign-in check (and counts), even with a field left empty."""

    username = text(64, required=False, load_default="")
    password = text(256, required=False, load_default="")
    totp = text(12, required=False, load_default="")


class LogFilterIn(_Form):
    actor = text(64, required=False)
    unit = fields.Integer(validate=validate.Range(min=1, max=MAX_ID, error="单位编号无效"))
    role = fields.String(validate=validate.OneOf(ROLES, error="角色无效"))
    order_no = text(24, required=False)
    field = text(64, required=False)
    purpose = text(200, required=False)
    since = fields.Date()
    until = fields.Date()
    vh = fields.String(validate=validate.Regexp(r"^[0-9a-f]{64}$", error="号码哈希无效"))
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=MAX_PAGE, error="页码无效")
    )


class SearchIn(LogFilterIn):
    """The search form: the filters plus a phone or ID number typed to be hashed."""

    value = text(40, required=False)
    value_kind = fields.String(
        load_default="phone", validate=validate.OneOf(list(VALUE_KINDS), error="号码类型无效")
    )


class RevealIn(_Form):
    fields = fields.List(
        fields.String(
            validate=validate.OneOf([f.column for f in ORDER_FIELDS], error="不支持的字段")
        ),
        required=True,
        validate=validate.Length(min=1, error="请选择要查看明文的字段"),
        error_messages={"required": "请选择要查看明文的字段"},
    )
    purpose = text(200, error_messages={"required": "查看个人信息明文须说明用途"})


class AnomaliesIn(_Form):
    days = fields.Integer(validate=validate.Range(min=1, max=366, error="天数应为 1 到 366"))


def form_data(source, schema: Schema) -> dict:
    """A request's MultiDict as the schema expects it: lists for list fields, and empty
    values left out (an empty filter means "any")."""
    out: dict = {}
    for name, field in schema.fields.items():
        if isinstance(field, fields.List):
            values = [v for v in source.getlist(name) if v != ""]
            if values or name in source:
                out[name] = values
        elif (value := source.get(name, "").strip()) != "":
            out[name] = value
    return out


def load(schema_cls: type[Schema], source) -> dict:
    schema = schema_cls()
    return schema.load(form_data(source, schema))


def first_message(exc) -> str:
    """The first Chinese message of a ValidationError, for a page that shows one."""
    messages = exc.messages if isinstance(exc.messages, dict) else {"": exc.messages}
    for value in messages.values():
        while isinstance(value, dict):
            value = next(iter(value.values()), "")
        if isinstance(value, list) and value:
            value = value[0]
        if value:
            return str(value)
    return "提交的内容有误，请检查后重试"
