"""The OpenAPI 3 document of the citizen API, generated from the marshmallow schemas.

Each view carries its description (``@doc``) next to its route and limits; ``build_spec``
walks the app's URL map, so a route under ``/api/v1`` without a description fails the
build (and the test that builds it). The error responses every route can give are added
here by rule: 429 and 500 everywhere, 401 where a token is needed, 400 and 422 where there
is input, plus each route's own (404, 409, 403, 503).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask
from marshmallow import Schema

from miniapp_api import schemas as s

PREFIX = "/api/v1"
ERRORS = {
    400: ("BadRequest", "请求格式不正确（如请求体不是有效的 JSON 或嵌套过深）或验证码错误/过期"),
    401: ("Unauthorized", "未登录、登录凭证无效、已过期或已退出"),
    403: ("Forbidden", "验证码错误次数过多，已锁定"),
    404: ("NotFound", "工单不存在、不属于当前手机号，或工单编号与查询码不匹配（答复相同）"),
    409: ("Conflict", "当前状态不允许此操作（如已评价、超过评价期限、已申请过重新办理）"),
    413: ("PayloadTooLarge", "请求内容过大（请求体上限见说明）"),
    415: ("UnsupportedMediaType", "请使用 JSON 格式提交（Content-Type: application/json）"),
    422: ("Unprocessable", "提交的内容有误；details.fields 逐项给出中文原因"),
    429: ("TooManyRequests", "请求过于频繁；Retry-After 头给出可重试的秒数"),
    500: ("InternalError", "服务器内部错误"),
    503: ("ServiceUnavailable", "短信发送失败，请稍后再试"),
}


@dataclass
class ApiDoc:
    summary: str
    tag: str
    status: int = 200
    out: type[Schema] | None = None
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    auth: bool = False
    errors: tuple[int, ...] = ()
    description: str = ""
    content_type: str = "application/json"
    also: dict[int, str] = field(default_factory=dict)  # other success statuses

    def responses(self) -> dict:
        ok: dict = {"description": "成功" if self.status != 204 else "成功，无内容"}
        if self.out is not None:
            ok["content"] = {self.content_type: {"schema": self.out}}
        elif self.status != 204:
            kind = "object" if self.content_type == "application/json" else "string"
            ok["content"] = {self.content_type: {"schema": {"type": kind}}}
        codes = {429, 500, *self.errors}
        if self.auth:
            codes.add(401)
        if self.body is not None or self.query is not None:
            codes.add(422)
        if self.body is not None:
            codes.update((400, 413, 415))
        out = {str(self.status): ok}
        for status, description in self.also.items():
            out[str(status)] = {**ok, "description": description}
        for code in sorted(codes):
            out[str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
        return out


def doc(summary: str, *, tag: str, **kw):
    """Attach the OpenAPI description to a view."""

    def decorator(view):
        view.apidoc = ApiDoc(summary, tag, **kw)
        return view

    return decorator


PATH_PARAMETERS = {
    "order_no": {
        "type": "string",
        "pattern": "^[0-9]{14}$",
        "description": "工单编号：受理日期（8位）加6位序号",
        "example": "20261122000123",
    },
}


def _operation(rule, info: ApiDoc) -> dict:
    op: dict = {
        "summary": info.summary,
        "tags": [info.tag],
        "responses": info.responses(),
    }
    if info.description:
        op["description"] = info.description
    params = [
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": PATH_PARAMETERS.get(name, {"type": "string"}),
        }
        for name in sorted(rule.arguments)
    ]
    if info.query is not None:
        params.append({"in": "query", "schema": info.query})
    if params:
        op["parameters"] = params
    if info.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": info.body}},
        }
    if info.auth:
        op["security"] = [{"bearer": []}]
    return op


def _error_responses(spec: APISpec) -> None:
    for status, (name, description) in ERRORS.items():
        response = {
            "description": description,
            "content": {"application/json": {"schema": "ErrorOut"}},
        }
        if status == 429:
            response["headers"] = {
                "Retry-After": {
                    "description": "可重试前须等待的秒数",
                    "schema": {"type": "integer"},
                }
            }
        spec.components.response(name, response)


def build_spec(app: Flask) -> dict:
    spec = APISpec(
        title="阳光办理 市民端 API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
        info={
            "description": (
                "北京 12345 接诉即办“阳光办理”小程序与手机网页（H5）使用的接口：短信验证码"
                "登录、查询码查询、我的工单、办理进度、评价与提交诉求。所有个人信息均已"
                "脱敏；所有接口均有频率限制，超限返回 429 与 Retry-After。"
            )
        },
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "登录后获得的令牌"}
    )
    spec.components.schema("ErrorOut", schema=s.ErrorOut)
    _error_responses(spec)
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX)),
        key=lambda r: r.rule,
    )
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        info: ApiDoc | None = getattr(view, "apidoc", None)
        if info is None:
            raise LookupError(f"route {rule.rule} has no OpenAPI description (@doc)")
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        operations = {m.lower(): _operation(rule, info) for m in methods}
        spec.path(view=view, app=app, operations=operations)
    return spec.to_dict()


def openapi_path(rule: str) -> str:
    """``/orders/<order_no>`` as OpenAPI writes it: ``/orders/{order_no}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
