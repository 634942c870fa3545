"""Open311 GeoReport v2, read only, at ``/open311/v2/``: discovery, services (our level-3
categories) and anonymised requests, as JSON or XML (``.json`` / ``.xml``).

What a request may say is decided in ``hotline.reports.open_data`` (delay, small cells,
street-level location, no free text, an unlinkable id). Errors use the specification's
shape: a list of ``{code, description}`` (``<errors><error>…`` in XML), through the one
error mapping (``hotline.web.errors.register_format``). Each client address is limited
(``OPEN311_RATE_LIMITS``).
"""

from __future__ import annotations

import json
from datetime import datetime
from xml.etree.ElementTree import Element, SubElement, tostring  # noqa: S405 (writing only)

from flask import Blueprint, Flask, Response, request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from hotline.errors import NotFound
from hotline.reports import open_data
from hotline.web.errors import register_format
from hotline.web.limits import limits

bp = Blueprint("open311", __name__, url_prefix="/open311")
limit = limits("OPEN311_RATE_LIMITS")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-30T00:00:00+08:00"
FORMATS = "<any(json, xml):fmt>"
MIMETYPES = {"json": "application/json", "xml": "text/xml"}
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "service_name",
    "service_code",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
)
SERVICE_FIELDS = (
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
)


# -- output -------------------------------------------------------------------------------------
def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _xml(root: str, item: str, rows: list[dict], keys: tuple[str, ...]) -> bytes:
    top = Element(root)
    for row in rows:
        node = SubElement(top, item)
        for key in keys:
            if key in row:
                SubElement(node, key).text = _text(row[key])
    return tostring(top, encoding="utf-8", xml_declaration=True)


def _answer(fmt: str, body, root: str, item: str, keys: tuple[str, ...], status: int = 200):
    if fmt == "xml":
        data = _xml(root, item, body, keys)
    else:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    response = Response(data, status=status, mimetype=MIMETYPES[fmt])
    response.charset = "utf-8"
    return response


def error_response(status: int, code: str, message: str, details: dict) -> Response:
    """The specification's error list, in the format the path asks for (JSON by default)."""
    description = message
    if fields_ := details.get("fields"):
        description += "：" + "；".join(f"{k} {'，'.join(map(str, v))}" for k, v in fields_.items())
    errors = [{"code": status, "description": description}]
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _answer(fmt, errors, "errors", "error", ("code", "description"), status=status)


# -- input --------------------------------------------------------------------------------------
def _codes(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


class RequestsIn(Schema):
    """``GET requests``: the specification's filters, plus paging. Unknown parameters
    (``jurisdiction_id``, ``api_key``) are ignored, as the specification allows."""

    class Meta:
        unknown = EXCLUDE

    service_request_id = fields.String(validate=validate.Length(max=26 * 20 + 19))
    service_code = fields.String(
        validate=validate.Regexp(r"^[0-9A-Za-z]{1,8}(,[0-9A-Za-z]{1,8}){0,49}$", error="格式不正确")
    )
    start_date = fields.AwareDateTime(
        format="iso",
        default_timezone=None,
        error_messages={"invalid": "应为带时区的 ISO 8601 时间"},
    )
    end_date = fields.AwareDateTime(
        format="iso",
        default_timezone=None,
        error_messages={"invalid": "应为带时区的 ISO 8601 时间"},
    )
    status = fields.String(
        validate=validate.Regexp(r"^(open|closed)(,(open|closed))?$", error="应为 open 或 closed")
    )
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=100_000, error="应为正整数")
    )
    page_size = fields.Integer(
        validate=validate.Range(min=1, max=open_data.MAX_PAGE_SIZE, error="应为 1 到 1000")
    )

    @validates_schema
    def _years(self, data, **kwargs):
        for key in ("start_date", "end_date"):
            value: datetime | None = data.get(key)
            if value is not None and not 2000 <= value.year <= 2999:
                raise ValidationError("超出可查询的范围", key)


def _query() -> open_data.RequestQuery:
    data = RequestsIn().load(request.args.to_dict(flat=True))
    return open_data.RequestQuery(
        start=data.get("start_date"),
        end=data.get("end_date"),
        service_codes=_codes(data.get("service_code", "")),
        statuses=_codes(data.get("status", "")),
        ids=_codes(data.get("service_request_id", ""))[:20],
        page=data["page"],
        page_size=data.get("page_size"),
    )


# -- views --------------------------------------------------------------------------------------
@bp.get(f"/discovery.{FORMATS}")
@bp.get(f"/v2/discovery.{FORMATS}")
@limit("read_client")
def discovery(fmt: str):
    endpoint = {
        "specification": SPECIFICATION,
        "url": url_for("open311.index", _external=True).rstrip("/"),
        "changeset": CHANGESET,
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    body = {
        "changeset": CHANGESET,
        "contact": "北京市12345市民服务热线（公开数据只读接口，不受理诉求）",
        "key_service": "无需 API 密钥",
        "endpoints": [endpoint],
    }
    if fmt == "json":
        return _answer(fmt, body, "", "", ())
    top = Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        SubElement(top, key).text = body[key]
    node = SubElement(SubElement(top, "endpoints"), "endpoint")
    for key in ("specification", "url", "changeset", "type"):
        SubElement(node, key).text = endpoint[key]
    formats = SubElement(node, "formats")
    for item in endpoint["formats"]:
        SubElement(formats, "format").text = item
    return Response(tostring(top, encoding="utf-8", xml_declaration=True), mimetype="text/xml")


@bp.get("/v2/")
@limit("read_client")
def index():
    return discovery("json")


@bp.get(f"/v2/services.{FORMATS}")
@limit("read_client")
def services(fmt: str):
    return _answer(fmt, open_data.services(), "services", "service", SERVICE_FIELDS)


@bp.get(f"/v2/services/<code>.{FORMATS}")
@limit("read_client")
def service_definition(code: str, fmt: str):
    # Every service has metadata=false: the specification has no definition for them.
    raise NotFound("该服务没有附加属性定义（metadata=false）", code="no_service_definition")


@bp.get(f"/v2/requests.{FORMATS}")
@limit("read_client")
def requests_(fmt: str):
    try:
        rows = open_data.find_requests(_query())
    except open_data.BadQuery as exc:
        return error_response(400, "bad_query", str(exc), {})
    return _answer(fmt, rows, "service_requests", "request", REQUEST_FIELDS)


@bp.get(f"/v2/requests/<request_id>.{FORMATS}")
@limit("read_client")
def request_(request_id: str, fmt: str):
    rows = open_data.find_requests(open_data.RequestQuery(ids=(request_id,)))
    if not rows:
        raise NotFound("没有该编号的公开诉求", code="request_not_found")
    return _answer(fmt, rows, "service_requests", "request", REQUEST_FIELDS)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    register_format(app, "/open311/", error_response)
