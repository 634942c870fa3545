"""The API reference page: the OpenAPI document turned into a plain model that
``templates/api-docs.html`` renders on the server (no script, no CDN)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

METHOD_ORDER = ("get", "post", "put", "patch", "delete")


@dataclass
class Row:
    name: str
    type: str
    required: bool = False
    description: str = ""
    ref: str | None = None  # the schema this row points to, for a link


@dataclass
class Response:
    status: str
    description: str
    schema: Row | None = None
    headers: list[Row] = field(default_factory=list)


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    auth: bool
    params: list[Row]
    body: Row | None
    responses: list[Response]
    request_example: str = ""  # an HTTP request, as sent
    response_example: str = ""  # the success answer, as received

    @property
    def anchor(self) -> str:
        slug = self.path.strip("/").replace("/", "-").replace("{", "").replace("}", "")
        return f"{self.method}-{slug}"


@dataclass
class SchemaDoc:
    name: str
    rows: list[Row]


@dataclass
class Page:
    title: str
    version: str
    description: str
    tags: dict[str, list[Operation]]
    schemas: list[SchemaDoc]


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def describe(prop: dict) -> tuple[str, str | None]:
    """A short type text of a JSON-schema property, and the schema it refers to."""
    if "$ref" in prop:
        name = _ref_name(prop["$ref"])
        return name, name
    for combo in ("allOf", "anyOf", "oneOf"):
        refs = [p["$ref"] for p in prop.get(combo, []) if "$ref" in p]
        if refs:
            nullable = prop.get("nullable") or any(p.get("nullable") for p in prop[combo])
            name = _ref_name(refs[0])
            return name + ("（可为空）" if nullable else ""), name
    kind = prop.get("type", "any")
    ref = None
    if kind == "array":
        inner, ref = describe(prop.get("items", {}))
        text = f"{inner}[]"
    else:
        text = kind
        if prop.get("format"):
            text += f" ({prop['format']})"
    if prop.get("enum"):
        text += "：" + " | ".join(str(v) for v in prop["enum"] if v is not None)
    if prop.get("nullable"):
        text += "（可为空）"
    return text, ref


def _schema_rows(schema: dict) -> list[Row]:
    required = set(schema.get("required", []))
    rows = []
    for name, prop in (schema.get("properties") or {}).items():
        text, ref = describe(prop)
        desc = prop.get("description", "")
        if "example" in prop:
            desc = (desc + "，" if desc else "") + f"例：{prop['example']}"
        rows.append(Row(name, text, name in required, desc, ref))
    return rows


def _schema_row(content: dict | None) -> Row | None:
    if not content:
        return None
    media, body = next(iter(content.items()))
    text, ref = describe(body.get("schema", {}))
    return Row(media, text, True, "", ref)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def request_example(method: str, path: str, op: dict) -> str:
    """The operation's example request as text: request line, headers, body."""
    params = op.get("parameters", [])
    for p in params:
        if p["in"] == "path" and "example" in p:
            path = path.replace("{" + p["name"] + "}", str(p["example"]))
    query = [
        (p["name"], v)
        for p in params
        if p["in"] == "query" and "example" in p
        for v in (p["example"] if isinstance(p["example"], list) else [p["example"]])
    ]
    if query:
        path += "?" + urlencode(
            [(k, str(v).lower() if isinstance(v, bool) else v) for k, v in query]
        )
    lines = [f"{method.upper()} {path}"]
    if op.get("security"):
        lines.append("Authorization: Bearer <登录令牌>")
    content = (op.get("requestBody") or {}).get("content", {})
    for media, body in content.items():
        if media == "multipart/form-data":
            lines.append("Content-Type: multipart/form-data; boundary=<分隔符>")
            names = "、".join(body.get("example", {})) or "文件"
            lines += ["", f"（表单字段：{names}；照片为文件内容）"]
        else:
            lines += [f"Content-Type: {media}", "", _json(body.get("example", {}))]
        break
    return "\n".join(lines)


def response_example(op: dict) -> str:
    """The first success response as text: status line, content type, body."""
    for status, resp in op["responses"].items():
        if not status.startswith("2"):
            continue
        if status == "204" or not resp.get("content"):
            return f"HTTP/1.1 {status}（无内容）"
        media, body = next(iter(resp["content"].items()))
        head = f"HTTP/1.1 {status}\nContent-Type: {media}\n\n"
        if "example" in body:
            return head + _json(body["example"])
        if media.startswith("image/"):
            return head + "（照片的二进制内容）"
        if media == "text/html":
            return head + "（HTML 网页）"
        return head + "（JSON 文档）"
    return ""


def page_model(spec: dict) -> Page:
    components = spec.get("components", {})
    shared = components.get("responses", {})
    tags: dict[str, list[Operation]] = {}
    for path, item in spec["paths"].items():
        for method in METHOD_ORDER:
            op = item.get(method)
            if op is None:
                continue
            params = []
            for p in op.get("parameters", []):
                text, ref = describe(p.get("schema", {}))
                where = "路径" if p["in"] == "path" else "查询"
                params.append(
                    Row(
                        p["name"],
                        f"{where} · {text}",
                        p.get("required", False),
                        p.get("description", ""),
                        ref,
                    )
                )
            body = _schema_row((op.get("requestBody") or {}).get("content"))
            responses = []
            for status, resp in op["responses"].items():
                if "$ref" in resp:
                    resp = shared[_ref_name(resp["$ref"])]
                headers = [
                    Row(name, describe(h.get("schema", {}))[0], False, h.get("description", ""))
                    for name, h in (resp.get("headers") or {}).items()
                ]
                responses.append(
                    Response(
                        status,
                        resp.get("description", ""),
                        _schema_row(resp.get("content")),
                        headers,
                    )
                )
            operation = Operation(
                method,
                path,
                op.get("summary", ""),
                op.get("description", ""),
                bool(op.get("security")),
                params,
                body,
                responses,
                request_example(method, path, op),
                response_example(op),
            )
            tags.setdefault((op.get("tags") or ["其他"])[0], []).append(operation)
    schemas = [
        SchemaDoc(name, _schema_rows(schema))
        for name, schema in sorted(components.get("schemas", {}).items())
    ]
    info = spec.get("info", {})
    return Page(
        info.get("title", ""), info.get("version", ""), info.get("description", ""), tags, schemas
    )
