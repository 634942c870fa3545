"""The OpenAPI 3 document of the citizen API, generated from the marshmallow schemas.

Each view carries its description (``@doc``) next to its route and limits; ``build_spec``
walks the app's URL map, so a route under ``/api/v1`` without a description fails the
build (and the test that builds it). The error responses every route can give are added
here by rule: 429 and 500 everywhere, 401 where a token is needed, 400 and 422 where there
is input, plus each route's own (404, 409, 403, 503), described for that path when the
route says what they mean there (``errors={404: "上级编码不存在"}``), else by the shared
table ``ERRORS``. Every parameter, request body and success response carries an example
generated from its schema (``miniapp_api.examples``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask
from marshmallow import Schema

from miniapp_api import examples
from miniapp_api import schemas as s

PREFIX = "/api/v1"
ERRORS = {
    400: (
        "BadRequest",
        "请求格式不正确（如请求体不是有效的 JSON 或嵌套过深）或验证码错误/过期；"
        "微信登录凭证、手机号授权凭证或绑定凭证无效、已使用或已过期",
    ),
    401: ("Unauthorized", "未登录、登录凭证无效、已过期或已退出"),
    403: ("Forbidden", "验证码错误次数过多，已锁定；或该微信帐号被微信安全策略限制登录"),
    404: (
        "NotFound",
        "工单不存在、不属于当前手机号，或工单编号与查询码不匹配（答复相同）；本服务未开通微信登录",
    ),
    409: (
        "Conflict",
        "当前状态不允许此操作（如已评价、超过评价期限、已申请过重新办理；"
        "未绑定微信时订阅消息；取消关注本人提交的工单）",
    ),
    413: ("PayloadTooLarge", "请求内容过大（请求体上限见说明）"),
    415: (
        "UnsupportedMediaType",
        "请使用 JSON 格式提交（Content-Type: application/json）；上传照片时为不支持的照片格式"
        "（只接受 JPEG、PNG、HEIC，按文件内容识别）",
    ),
    422: ("Unprocessable", "提交的内容有误；details.fields 逐项给出中文原因"),
    429: ("TooManyRequests", "请求过于频繁；Retry-After 头给出可重试的秒数"),
    500: ("InternalError", "服务器内部错误"),
    502: ("BadGateway", "微信服务返回错误（如小程序配置有误、手机号校验未通过）"),
    503: (
        "ServiceUnavailable",
        "短信发送失败，或照片处理繁忙，或微信服务暂不可用，请稍后再试（见 Retry-After）",
    ),
}

# The statuses a JSON body adds by rule, described as they apply to any such route (the
# shared ERRORS texts also list what some routes mean by them).
JSON_BODY_ERRORS = {
    400: "请求体不是有效的 JSON，或嵌套过深",
    413: "请求体过大",
    415: "请求体不是 JSON（请使用 Content-Type: application/json）",
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
    # The error statuses this route answers besides those added by rule: a tuple uses the
    # shared descriptions (ERRORS); a dict {status: text} describes them for this path.
    # Either may name a rule-added status (401, 422, ...) to describe it for this path.
    errors: tuple[int, ...] | dict[int, str] = ()
    description: str = ""
    content_type: str = "application/json"
    also: dict[int, str] = field(default_factory=dict)  # other success statuses
    also_types: tuple[str, ...] = ()  # other content types of the success (image/png)
    body_type: str = "application/json"  # multipart/form-data for uploads

    def responses(self) -> dict:
        ok: dict = {"description": "成功" if self.status != 204 else "成功，无内容"}
        if self.out is not None:
            ok["content"] = {self.content_type: {"schema": self.out}}
        elif self.status != 204:
            ok["content"] = {}
            for content_type in (self.content_type, *self.also_types):
                kind = "object" if content_type == "application/json" else "string"
                schema = {"type": kind}
                if content_type.startswith("image/"):
                    schema["format"] = "binary"
                ok["content"][content_type] = {"schema": schema}
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
        own = self.errors if isinstance(self.errors, dict) else {}
        if self.body_type == "application/json":
            # What a JSON body alone can get wrong, unless the route names the status.
            own = {**{c: t for c, t in JSON_BODY_ERRORS.items() if c not in self.errors}, **own}
        page = self.content_type == "text/html"  # a page for people answers errors as pages
        for code in sorted(codes):
            if code in own or page:
                text = own.get(code) or ERRORS[code][1]
                out[str(code)] = error_response(code, text, "text/html" if page else None)
            else:
                out[str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
        return out


def error_response(status: int, description: str, page: str | None = None) -> dict:
    """An error response in the one error shape (or, with ``page``, a Chinese error page
    of that media type); 429 and 503 say when to retry."""
    schema = {"type": "string"} if page else {"$ref": "#/components/schemas/ErrorOut"}
    response: dict = {
        "description": description,
        "content": {page or "application/json": {"schema": schema}},
    }
    if status in (429, 503):
        response["headers"] = {
            "Retry-After": {"description": "可重试前须等待的秒数", "schema": {"type": "integer"}}
        }
    return response


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
    "photo_id": {
        "type": "string",
        "format": "uuid",
        "description": "照片编号",
        "example": "6f1c2b9e-0d3a-4c55-9e0b-6a1f2d3c4b5a",
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
            "description": PATH_PARAMETERS.get(name, {}).get("description", ""),
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
            "content": {info.body_type: {"schema": info.body}},
        }
    if info.auth:
        op["security"] = [{"bearer": []}]
    return op


def _error_responses(spec: APISpec) -> None:
    for status, (name, description) in ERRORS.items():
        spec.components.response(name, error_response(status, description))


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
    query_schemas: dict[tuple[str, str], str] = {}
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        info: ApiDoc | None = getattr(view, "apidoc", None)
        if info is None:
            raise LookupError(f"route {rule.rule} has no OpenAPI description (@doc)")
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        operations = {m.lower(): _operation(rule, info) for m in methods}
        spec.path(view=view, app=app, operations=operations)
        if info.query is not None:
            for method in operations:
                query_schemas[(openapi_path(rule.rule), method)] = info.query.__name__
    return examples.annotate(spec.to_dict(), query_schemas)


def openapi_path(rule: str) -> str:
    """``/orders/<order_no>`` as OpenAPI writes it: ``/orders/{order_no}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
