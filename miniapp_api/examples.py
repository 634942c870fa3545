"""Request and response examples of the OpenAPI document, generated from the schemas.

``example_of`` walks a JSON schema as apispec wrote it from the marshmallow schemas and
builds one value that fits it. For each field, in this order: the ``example`` the field
declares (``metadata={"example": ...}``); a realistic value for the field's name from
``VALUES`` (or ``IN_SCHEMA`` for a name that means something else in one schema), used only
when it fits the field's type, enum, pattern and length; the field's default; and last a
value made from the type and its constraints. So a new field gets a valid example without
anyone writing one, and a well-known name gets a plausible one.

``annotate`` puts the examples into the document itself: each parameter's ``example``, and
an ``example`` on the request body and on every success response with a JSON schema, so
the JSON document carries them as well as the reference page.
"""

from __future__ import annotations

import re
from typing import Any

_NO = object()  # "no value chosen yet" (None is a value: JSON null)
MAX_DEPTH = 6
WHEN = "2026-11-22T09:30:00+08:00"
UUID = "6f1c2b9e-0d3a-4c55-9e0b-6a1f2d3c4b5a"

# Realistic values by field name. Personal data appears masked, as the API returns it.
VALUES: dict[str, Any] = {
    "phone": "13800138000",
    "code": "482915",
    "order_no": "20261122000123",
    "query_code": "30417526",
    "token": "yg1.Zm9vYmFyLmV4YW1wbGUudG9rZW4",
    "ticket": "wxt.4f0c2a9d8e7b",
    "expires_at": "2026-11-23T09:30:00+08:00",
    "expires_in": 300,
    "resend_after": 60,
    "sent": True,
    "dev_code": "482915",
    "status": "completed",
    "status_label": "已办结",
    "kind": "complaint",
    "kind_label": "投诉",
    "channel": "miniapp",
    "channel_label": "小程序",
    "time_limit": "normal",
    "time_limit_label": "一般（7天）",
    "category": "住房 / 物业管理 / 电梯维修",
    "category_code": "030101",
    "district_code": "110105",
    "street_code": "110105001",
    "community_code": "110105001001",
    "parent": "110105",
    "district": "朝阳区",
    "street": "望京街道",
    "community": "望京西园社区",
    "address": "望京西园三区5号楼",
    "content": "小区5号楼电梯经常停运，已多次向物业反映仍未修好，老人上下楼困难，请协调尽快维修。",
    "summary": "小区5号楼电梯经常停运，请协调尽快维修。",
    "text": "电梯今天又停了一整天。",
    "reply": "已督促物业更换电梯控制板，电梯已恢复运行。",
    "note": "已联系物业公司，约定明日上午检修。",
    "comment": "处理及时，电梯已经修好了。",
    "reason": "问题已自行解决",
    "received_at": WHEN,
    "deadline_at": "2026-11-29T09:30:00+08:00",
    "completed_at": "2026-11-27T16:05:00+08:00",
    "occurred_at": "2026-11-23T10:12:00+08:00",
    "rated_at": "2026-11-28T08:40:00+08:00",
    "requested_at": WHEN,
    "rate_until": "2026-12-04T16:05:00+08:00",
    "urge_from": None,
    "new_deadline": None,
    "decided_at": None,
    "retain_until": None,
    "overdue": False,
    "seconds_remaining": None,
    "extensions": [],
    "returns": [],
    "overdue_seconds": None,
    "following": False,
    "merged": False,
    "confidential": False,
    "reopen": False,
    "reopen_requested": False,
    "round": 1,
    "repeat_count": 0,
    "seq": 3,
    "type": "contacted",
    "label": "联系诉求人",
    "unit": "北京市朝阳区望京街道办事处",
    "target_unit": None,
    "name": "北京市朝阳区望京街道办事处",
    "service_phone": "010-84721234",
    "staff_no": "N1024",
    "staff_name": "王*",
    "role": "承办人员",
    "who": "北京市朝阳区望京街道办事处 承办人员 王*（工号 N1024）",
    "purpose": "联系诉求人核实电梯故障情况",
    "fields_read": ["电话"],
    "own": False,
    "resolution": "yes",
    "resolution_label": "已解决",
    "satisfaction": "satisfied",
    "satisfaction_label": "满意",
    "can_rate": False,
    "can_request_reopen": False,
    "can_urge": False,
    "can_add_info": False,
    "can_withdraw": False,
    "photo_id": UUID,
    "photo_ids": [],
    "source": "citizen",
    "mime": "image/jpeg",
    "width": 1600,
    "height": 1200,
    "thumb_width": 320,
    "thumb_height": 240,
    "variant": "full",
    "url": f"/api/v1/orders/20261122000123/photos/{UUID}",
    "thumb_url": f"/api/v1/orders/20261122000123/photos/{UUID}?variant=thumb",
    "page": 1,
    "per_page": 10,
    "total": 1,
    "unread": 1,
    "content_max": 1000,
    "comment_max": 500,
    "rating_window_days": 7,
    "order_nos": ["20261122000123"],
    "request_id": UUID,
    "erased_orders": 0,
    "decision_note": None,
    "token_type": "Bearer",
    "title": "您的工单已由承办单位签收",
    "quiet_hours": [22, 7],
    "template_ids": ["kLp1dXc0n7Q2y9eW4mTqHs3bVjR8aZuF6oGiN5xYtE0"],
    "template_id": "kLp1dXc0n7Q2y9eW4mTqHs3bVjR8aZuF6oGiN5xYtE0",
    "long_term": False,
    "remaining": 1,
    "wechat_bound": True,
    "bound": True,
    "read_at": None,
    "created_at": "2026-11-23T10:12:00+08:00",
    "marked": 1,
}
# Names that mean something else in one schema ("SchemaName": {field: value}), in an
# object under one field ("field>": {...}), or on one path ("/path": {schema: {...}}).
WX_CODE = "0c3Qx4ll2a8xHb4W1Mnl2nVw0m2Qx4lA"
IN_SCHEMA: dict[str, dict[str, Any]] = {
    "MeOut": {"phone": "138****8000"},
    "TokenOut": {"phone": "138****8000"},
    "WeChatLoginOut": {"phone": "138****8000"},
    "WeChatLoginIn": {"code": WX_CODE},
    "WeChatPhoneIn": {"code": WX_CODE},
    "CategoryQueryIn": {"parent": "0301"},
    "InboxMessageOut": {"kind": "accepted", "kind_label": "签收", "body": None},
    "statuses>": {"value": "accepted", "label": "办理中"},
    "resolutions>": {"value": "yes", "label": "已解决"},
    "satisfactions>": {"value": "satisfied", "label": "满意"},
    "RequesterOut": {"name": "张*", "phone": "138****5678", "address": "朝阳区望京街道"},
    "HandlerOut": {"name": "王*"},
    "UnitOut": {"kind_label": "街道乡镇"},
    "PlaceOut": {"code": "110105001", "name": "望京街道"},
    "CategoryOut": {"code": "0301", "name": "物业管理", "level": 2},
    "OptionOut": {"value": "complaint", "label": "投诉"},
    "ErasureOut": {"status": "pending", "status_label": "待处理"},
    "TimelineOut": {"reason": None, "resolution_label": None, "satisfaction_label": None},
    "TimelinePhotoOut": {"source": "staff"},
    "WithdrawIn": {"reason": "问题已自行解决，不再需要处理"},
    "SubmitOut": {
        "status": "received",
        "status_label": "已受理",
        "message": "诉求已受理，请保存工单编号和查询码",
    },
}
BY_PATH: dict[str, dict[str, dict[str, Any]]] = {
    "/api/v1/places/districts": {"PlaceOut": {"code": "110105", "name": "朝阳区"}},
    "/api/v1/places/streets": {"PlaceOut": {"code": "110105001", "name": "望京街道"}},
    "/api/v1/places/communities": {
        "PlaceOut": {"code": "110105001001", "name": "望京西园社区"},
        "ParentIn": {"parent": "110105001"},
    },
}


def _resolve(schema: dict, components: dict) -> tuple[dict, str | None]:
    """The schema itself (a ``$ref`` followed, the first branch of an ``allOf``/``anyOf``/
    ``oneOf`` that names one) and its component name, if it has one."""
    name = None
    for _ in range(MAX_DEPTH):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = components.get(name, {})
            continue
        for combo in ("allOf", "anyOf", "oneOf"):
            branches = schema.get(combo) or []
            chosen = next((b for b in branches if "$ref" in b), branches[0] if branches else None)
            if chosen is not None:
                schema = chosen
                break
        else:
            return schema, name
    return schema, name


def fits(value: Any, schema: dict) -> bool:
    """Whether ``value`` is valid for the (resolved) schema's type and constraints."""
    if value is None:
        return bool(schema.get("nullable"))
    if "enum" in schema:
        return value in schema["enum"]
    kind = schema.get("type")
    if kind == "string":
        if not isinstance(value, str):
            return False
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            return False
        return not schema.get("pattern") or re.search(schema["pattern"], value) is not None
    if kind == "integer":
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and schema.get("minimum", value) <= value <= schema.get("maximum", value)
        )
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    return kind is None or (kind == "object" and isinstance(value, dict))


def _from_pattern(pattern: str) -> str | None:
    """A string for the simple patterns the schemas use (digits, a UUID)."""
    if match := re.fullmatch(r"\^(?:\\d|\[0-9\])\{(\d+)\}\$", pattern):
        return "".join(str((i + 3) % 10) for i in range(int(match.group(1))))
    if "[0-9a-f]{8}-" in pattern:
        return UUID
    return None


def _made(schema: dict) -> Any:
    """A value from the type and constraints alone."""
    if "enum" in schema:
        return next((v for v in schema["enum"] if v is not None), None)
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer":
        return max(schema.get("minimum", 1), min(1, schema.get("maximum", 1)))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {}
    if fmt == "date-time":
        return WHEN
    if fmt == "date":
        return WHEN[:10]
    if fmt in ("uuid",):
        return UUID
    if fmt == "binary":
        return "（文件内容）"
    if schema.get("pattern") and (text := _from_pattern(schema["pattern"])):
        return text
    length = min(max(4, schema.get("minLength", 0)), schema.get("maxLength", 4))
    return ("示例文字" * (length // 4 + 1))[:length]


def example_of(
    schema: dict,
    components: dict,
    *,
    name: str | None = None,
    owner: str | None = None,
    writing: bool = False,
    path: str = "",
    under: str | None = None,
    depth: int = 0,
) -> Any:
    """One example value of ``schema``; ``name`` is the field's name in schema ``owner``
    (itself the value of field ``under``) on ``path``; ``writing`` leaves read-only fields
    out (a request)."""
    resolved, ref_name = _resolve(schema, components)
    if depth > MAX_DEPTH:
        return None
    if resolved.get("type") == "object" or "properties" in resolved:
        return _object(resolved, components, ref_name, writing, path, under or name, depth)
    if resolved.get("type") == "array":
        hinted = _hinted(schema, resolved, name, owner, path, under)
        if hinted is not _NO:
            return hinted
        item = example_of(  # the name's value may fit one item (status=accepted)
            resolved.get("items", {}),
            components,
            name=name,
            owner=owner,
            writing=writing,
            path=path,
            under=name,
            depth=depth + 1,
        )
        return [] if item is None else [item]
    hinted = _hinted(schema, resolved, name, owner, path, under)
    return _made(resolved) if hinted is _NO else hinted


def _known(name: str, owner: str | None, path: str, under: str | None) -> list:
    """Known values for a field's name, the most specific first."""
    tables = (
        BY_PATH.get(path, {}).get(owner or "", {}),
        IN_SCHEMA.get(f"{under}>", {}),
        IN_SCHEMA.get(owner or "", {}),
        VALUES,
    )
    return [table[name] for table in tables if name in table]


def _hinted(
    schema: dict,
    resolved: dict,
    name: str | None,
    owner: str | None,
    path: str = "",
    under: str | None = None,
) -> Any:
    """The declared example, a known value for the name, or the default — if it fits."""
    candidates = []
    for where in (schema, resolved):
        if "example" in where:
            candidates.append(where["example"])
    if name is not None:
        candidates += _known(name, owner, path, under)
    for where in (schema, resolved):
        if where.get("default") is not None:
            candidates.append(where["default"])
    check = {**resolved, "nullable": schema.get("nullable") or resolved.get("nullable")}
    for value in candidates:
        if (
            value is None
            and check.get("nullable")
            or value is not None
            and _fits_deep(value, check)
        ):
            return value
    return _NO


def _fits_deep(value: Any, schema: dict) -> bool:
    if isinstance(value, list) and schema.get("type") == "array":
        items = schema.get("items", {})
        return all(fits(v, items) for v in value) if "$ref" not in items else True
    return fits(value, schema)


def _object(
    schema: dict,
    components: dict,
    owner: str | None,
    writing: bool,
    path: str,
    under: str | None,
    depth: int,
):
    out = {}
    for field, prop in (schema.get("properties") or {}).items():
        if writing and prop.get("readOnly"):
            continue
        out[field] = example_of(
            prop,
            components,
            name=field,
            owner=owner,
            writing=writing,
            path=path,
            under=under,
            depth=depth + 1,
        )
    return out  # a free-form mapping (additionalProperties) stays empty: its keys are data


# -- the document ---------------------------------------------------------------------------
def annotate(doc: dict, query_schemas: dict[tuple[str, str], str] | None = None) -> dict:
    """Put an example on every parameter, request body and success response of ``doc``.
    ``query_schemas`` names the schema of each operation's query parameters (apispec
    spreads it into single parameters), keyed by (path, method)."""
    components = doc.get("components", {}).get("schemas", {})
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            query = (query_schemas or {}).get((path, method))
            for param in op.get("parameters", []):
                value = example_of(
                    param.get("schema", {}),
                    components,
                    name=param["name"],
                    owner=query if param["in"] == "query" else None,
                    writing=True,
                    path=path,
                )
                if value not in (None, []):
                    param["example"] = value
            for content in (op.get("requestBody") or {}).get("content", {}).values():
                if "schema" in content:
                    content["example"] = example_of(
                        content["schema"], components, writing=True, path=path
                    )
            for status, response in op["responses"].items():
                if not status.startswith("2"):
                    continue
                for media, content in (response.get("content") or {}).items():
                    if media == "application/json" and "$ref" in content.get("schema", {}):
                        content["example"] = example_of(content["schema"], components, path=path)
    return doc
