"""The console's forms and query strings, parsed with marshmallow: every value bounded,
unknown or malformed input refused with a Chinese message before any query runs."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from hotline.models.enums import Role
from hotline.schemas import text
from hotline.services.privacy_office.search import VALUE_KINDS, value_looks_like
from privacy.catalog import FIELDS, ORDER_FIELDS
from privacy.roles import SYSTEM_ROLE

ROLES = [str(r) for r in Role] + [SYSTEM_ROLE]
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1
FIELD_NAMES = [f.qualified for f in FIELDS]


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token, submit buttons


class LoginIn(_Form):
    """Every attempt reaches the sign-in check (and counts), even with a field left empty."""

    username = text(64, required=False, load_default="")
    password = text(256, required=False, load_default="")
    totp = text(12, required=False, load_default="")


class LogFilterIn(_Form):
    actor = text(64, required=False)  # a username, "staff:12" or "12"
    unit = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID, error="单位无效"),
        error_messages={"invalid": "单位无效"},
    )
    role = fields.String(validate=validate.OneOf(ROLES, error="角色无效"))
    order_no = text(24, required=False)
    field = fields.String(validate=validate.OneOf(FIELD_NAMES, error="请从列表中选择字段"))
    purpose = text(200, required=False)
    since = fields.Date(error_messages={"invalid": "起始日期格式应为 年-月-日"})
    until = fields.Date(error_messages={"invalid": "截止日期格式应为 年-月-日"})
    vh = fields.String(validate=validate.Regexp(r"^[0-9a-f]{64}$", error="号码哈希无效"))
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE, error="页码无效"),
        error_messages={"invalid": "页码无效"},
    )

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise ValidationError("截止日期不能早于起始日期", "until")


class SearchIn(LogFilterIn):
    """The search form: the filters plus a phone or ID number typed to be hashed."""

    value = text(40, required=False)
    value_kind = fields.String(
        load_default="phone", validate=validate.OneOf(list(VALUE_KINDS), error="号码类型无效")
    )

    @validates_schema
    def _value_matches_its_kind(self, data, **kwargs):
        value = data.get("value")
        if value and not value_looks_like(data.get("value_kind", "phone"), value):
            kind = VALUE_KINDS.get(data.get("value_kind"), "号码")
            raise ValidationError(f"这不像{kind}，请核对后重新输入", "value")


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


def field_errors(exc) -> dict[str, str]:
    """The first Chinese message of each bad field, to show next to that field."""
    messages = exc.messages if isinstance(exc.messages, dict) else {"_form": exc.messages}
    out = {}
    for name, value in messages.items():
        while isinstance(value, dict):  # a list field: {index: [messages]}
            value = next(iter(value.values()), "")
        if isinstance(value, list):
            value = value[0] if value else ""
        out[name] = str(value) or "此项有误"
    return out


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


class ErasureListIn(_Form):
    status = fields.String(
        validate=validate.OneOf(["pending", "approved", "refused"], error="状态无效")
    )
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=MAX_PAGE, error="页码无效")
    )


class ErasureDecisionIn(_Form):
    """An officer's decision on an erasure request: approve, or refuse with the legal
    retention that applies and the date the data is kept until."""

    decision = fields.String(
        required=True,
        validate=validate.OneOf(["approve", "refuse"], error="请选择同意或不予删除"),
        error_messages={"required": "请选择同意或不予删除"},
    )
    note = text(500, required=False)
    retain_until = fields.Date(error_messages={"invalid": "保存期限应为日期"})
