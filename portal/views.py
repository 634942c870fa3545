"""Public report pages: no login, nothing personal, everything from published snapshots."""

from __future__ import annotations

import json

from flask import Response, abort, render_template, request

from hotline.reports import editions
from portal import bp, downloads, pages

PUBLIC_CACHE = "public, max-age=300"


def _ref_or_404(period: str, version: int | None):
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
def _draft_or_404(token: str):
    draft = editions.draft_for_preview(token)
    if draft is None:
        abort(404)
    return draft


@bp.get("/reports/preview/<token>")
def preview(token: str):
    draft = _draft_or_404(token)
    response = Response(pages.render_draft(draft, token), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/reports/preview/<token>/data.json")
def preview_json(token: str):
    draft = _draft_or_404(token)
    name = "report-draft.json"
    response = downloads.download(draft.data.encode("utf-8"), "application/json", name, name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/reports/preview/<token>/<table>.csv")
def preview_csv(token: str, table: str):
    draft = _draft_or_404(token)
    return _csv(json.loads(draft.data), table, "draft", "草稿", None)
