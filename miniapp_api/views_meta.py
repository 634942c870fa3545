"""Reference data for the pickers, the OpenAPI document and its reference page."""

from __future__ import annotations

from flask import current_app, jsonify, make_response, render_template, request

from hotline.models.enums import (
    KIND_LABELS,
    RESOLUTION_LABELS,
    SATISFACTION_LABELS,
    STATUS_LABELS,
)
from hotline.services.citizen import reference as citizen_reference
from hotline.web.errors import register_format
from miniapp_api import bp
from miniapp_api import schemas as s
from miniapp_api.limits import limit
from miniapp_api.openapi import build_spec, doc
from miniapp_api.reference import page_model

REFERENCE, DOCS = "基础数据", "文档"
DOCS_PATH = "/docs"


def _spec() -> dict:
    app = current_app._get_current_object()  # noqa: SLF001
    if "miniapp_openapi" not in app.extensions:
        app.extensions["miniapp_openapi"] = build_spec(app)
    return app.extensions["miniapp_openapi"]


def _query(schema_cls) -> dict:
    return s.load(schema_cls, request.args.to_dict())


@bp.get("/options")
@doc("选项与中文标签", tag=REFERENCE, out=s.OptionsOut)
@limit("reference_client")
def options():
    out = {
        "kinds": s.options(KIND_LABELS),
        "statuses": s.options(STATUS_LABELS),
        "resolutions": s.options(RESOLUTION_LABELS),
        "satisfactions": s.options(SATISFACTION_LABELS),
        "content_max": s.CONTENT_MAX,
        "comment_max": s.COMMENT_MAX,
        "rating_window_days": current_app.config["RATING_WINDOW_DAYS"],
    }
    return jsonify(s.dump(s.OptionsOut, out))


@bp.get("/places/districts")
@doc("区列表", tag=REFERENCE, out=s.PlaceListOut)
@limit("reference_client")
def districts():
    return jsonify(s.dump(s.PlaceListOut, {"items": citizen_reference.districts()}))


@bp.get("/places/streets")
@doc(
    "某区的街道乡镇",
    tag=REFERENCE,
    query=s.ParentIn,
    out=s.PlaceListOut,
    errors={
        404: "区编码不存在（parent_not_found）",
        422: "缺少上级编码 parent，或编码超过 16 个字符",
    },
)
@limit("reference_client")
def streets():
    items = citizen_reference.streets(_query(s.ParentIn)["parent"])
    return jsonify(s.dump(s.PlaceListOut, {"items": items}))


@bp.get("/places/communities")
@doc(
    "某街道乡镇的社区村",
    tag=REFERENCE,
    query=s.ParentIn,
    out=s.PlaceListOut,
    errors={
        404: "街道乡镇编码不存在（parent_not_found）",
        422: "缺少上级编码 parent，或编码超过 16 个字符",
    },
)
@limit("reference_client")
def communities():
    items = citizen_reference.communities(_query(s.ParentIn)["parent"])
    return jsonify(s.dump(s.PlaceListOut, {"items": items}))


@bp.get("/categories")
@doc(
    "诉求分类（逐级）",
    tag=REFERENCE,
    query=s.CategoryQueryIn,
    out=s.CategoryListOut,
    errors={
        404: "上级分类编码不存在（parent_not_found）",
        422: "上级分类编码超过 16 个字符",
    },
)
@limit("reference_client")
def categories():
    items = citizen_reference.categories(_query(s.CategoryQueryIn).get("parent"))
    return jsonify(s.dump(s.CategoryListOut, {"items": items}))


@bp.get("/openapi.json")
@doc("OpenAPI 3 文档", tag=DOCS, description="本文档由接口的输入输出模式生成。")
@limit("docs_client")
def openapi_json():
    return jsonify(_spec())


@bp.get(DOCS_PATH)
@doc(
    "接口参考（HTML）",
    tag=DOCS,
    content_type="text/html",
    description="供人阅读的网页；出错时（如 429）也返回中文网页，而不是 JSON。",
)
@limit("docs_client")
def api_docs():
    return render_template("api-docs.html", page=page_model(_spec()))


def _page_error(status: int, code: str, message: str, details: dict):
    """The reference page is read by people: its own errors are a Chinese page, not JSON
    (any other path under the prefix answers JSON as usual)."""
    if request.path.rstrip("/") != bp.url_prefix + DOCS_PATH:
        return None
    body = render_template(
        "error.html", code=status, message=message, retry_after=details.get("retry_after")
    )
    return make_response(body, status)


@bp.record_once
def _docs_errors_as_pages(state) -> None:
    register_format(state.app, bp.url_prefix + DOCS_PATH, _page_error)
