"""Public report pages: no login, nothing personal, everything from published snapshots."""

from __future__ import annotations

import json

from flask import Response, abort, render_template, request

from hotline.reports import editions
from hotline.web.pipeline import writes
from portal import bp, districts, downloads, pages

PUBLIC_CACHE = "public, max-age=300"


MAX_VERSION = 2**31 - 1  # larger numbers name no edition (and would not fit the column)


def _ref_or_404(period: str, version: int | None):
    if version is not None and version > MAX_VERSION:
        abort(404)
    ref = pages.lookup(period, version)
    if ref is None:
        abort(404)
    return ref


def _conditional(response: Response, etag: str, cache_control: str = PUBLIC_CACHE) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    return response.make_conditional(request)


@bp.get("/reports/")
def index():
    return render_template("portal/index.html", **pages.index_context())


@bp.get("/reports/calendar")
def calendar():
    """The release calendar: when each edition is due, and whether past ones were on time."""
    page = pages.render_calendar()
    return _conditional(Response(page.body, mimetype="text/html"), page.etag)


@bp.get("/reports/districts/")
def district_index():
    return render_template("portal/districts.html", districts=pages.district_list())


def _district_or_404(code: str) -> dict:
    entry = pages.district_entry(code)
    if entry is None:
        abort(404)
    return entry


@bp.get("/reports/districts/<code>")
def district(code: str):
    page = pages.render_district(_district_or_404(code))
    return _conditional(Response(page.body, mimetype="text/html"), page.etag)


@bp.get("/reports/districts/<code>/<table>.csv")
def district_csv(code: str, table: str):
    entry = _district_or_404(code)
    spec = districts.tables(entry).get(table)
    if spec is None:
        abort(404)
    body = downloads.table_csv(spec)
    response = downloads.download(
        body, "text/csv", f"district-{code}-{table}.csv", f"{spec['title']}.csv"
    )
    return _conditional(response, f"{pages.district_etag(entry)}.{table}")


@bp.get("/reports/districts/<code>/data.json")
def district_json(code: str):
    entry = _district_or_404(code)
    body = {
        "district": {"code": entry["code"], "name": entry["name"]},
        "note": "每个数字均出自所注明的已发布报告版本（edition、sha256）。",
        "tables": districts.tables(entry),
        "sources": {
            "streets": entry["streets_source"],
            "categories": entry["categories_source"],
        },
    }
    data = json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    name = f"district-{code}.json"
    response = downloads.download(data, "application/json", name, name, inline=True)
    return _conditional(response, f"{pages.district_etag(entry)}.json")


@bp.get("/reports/<period>/v<int:version>/diff/v<int:other>")
def diff(period: str, version: int, other: int):
    """Every cell that changed between two published editions of a period."""
    if version == other:
        abort(404)
    a, b = _ref_or_404(period, version), _ref_or_404(period, other)
    old, new = (a, b) if a.version < b.version else (b, a)
    page = pages.render_diff(old, new)
    return _conditional(Response(page.body, mimetype="text/html"), page.etag)


@bp.get("/reports/<period>")
def latest(period: str):
    """The latest edition of a period; its permanent URL names the version."""
    ref = _ref_or_404(period, None)
    page = pages.render_published(ref)
    return _conditional(Response(page.body, mimetype="text/html"), page.etag)


@bp.get("/reports/<period>/v<int:version>")
def edition(period: str, version: int):
    ref = _ref_or_404(period, version)
    page = pages.render_published(ref)
    return _conditional(Response(page.body, mimetype="text/html"), page.etag)


@bp.get("/reports/<period>/v<int:version>/data.json")
def edition_json(period: str, version: int):
    ref = _ref_or_404(period, version)
    body = editions.edition_data(ref.id).encode("utf-8")
    name = f"report-{period}-v{version}.json"
    response = downloads.download(body, "application/json", name, name, inline=True)
    response.headers["X-Content-SHA256"] = ref.sha256
    return _conditional(response, ref.sha256, "public, max-age=31536000, immutable")


@bp.get("/reports/<period>/v<int:version>/<table>.csv")
def table_csv(period: str, version: int, table: str):
    ref = _ref_or_404(period, version)
    data = json.loads(editions.edition_data(ref.id))
    return _csv(data, table, f"{period}-v{version}", f"第{version}版", ref.sha256)


def _csv(data: dict, table: str, stem: str, edition_label: str, sha: str | None):
    spec = data["tables"].get(table)
    if spec is None:
        abort(404)
    display = f"{data['report']['title']}-{edition_label}-{spec['title']}.csv"
    response = downloads.download(
        downloads.table_csv(spec), "text/csv", f"report-{stem}-{table}.csv", display
    )
    if sha is None:
        response.headers["Cache-Control"] = "no-store"
        return response
    return _conditional(response, f"{sha}.{table}", "public, max-age=31536000, immutable")


# -- draft previews: a signed, short-lived link instead of a staff token -----------------------
# Every view of a preview is recorded (pre-release access), so these reads write: @writes.
def _preview_or_404(token: str) -> editions.Preview:
    preview = editions.open_preview(token)
    if preview is None:
        abort(404)
    return preview


@bp.get("/reports/preview/<token>")
@writes
def preview(token: str):
    found = _preview_or_404(token)
    response = Response(pages.render_draft(found, token), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/reports/preview/<token>/data.json")
@writes
def preview_json(token: str):
    draft = _preview_or_404(token).edition
    name = "report-draft.json"
    response = downloads.download(draft.data.encode("utf-8"), "application/json", name, name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/reports/preview/<token>/<table>.csv")
@writes
def preview_csv(token: str, table: str):
    draft = _preview_or_404(token).edition
    return _csv(json.loads(draft.data), table, "draft", "草稿", None)
