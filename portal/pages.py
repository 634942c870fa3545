"""Rendering the report pages and their downloads from stored editions."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app, render_template, request, url_for

from hotline.models.reports import ReportEdition
from hotline.reports import editions
from hotline.reports.editions import EditionRef
from portal import cache, present


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str


def lookup(period: str, version: int | None) -> EditionRef | None:
    """The published edition a URL names (misses are not kept: URLs are unbounded)."""
    return cache.refs().get_or_load(
        ("ref", period, version), lambda: editions.find_published(period, version)
    )


def etag_of(ref: EditionRef) -> str:
    """The data's SHA-256, plus what may still change on the page: a newer edition."""
    return f"{ref.sha256}.{ref.superseded_by_version or 0}.{ref.latest_version}"


def _published_links(ref: EditionRef, data: dict) -> present.Links:
    args = {"period": ref.period, "version": ref.version}
    return present.Links(
        page=url_for("portal.edition", **args),
        json=url_for("portal.edition_json", **args),
        csv={tid: url_for("portal.table_csv", table=tid, **args) for tid in data["tables"]},
        permanent=url_for("portal.edition", _external=True, **args),
    )


def _history(period: str) -> list[dict]:
    return [
        {
            "version": e.version,
            "label": present.edition_label(e.version),
            "published": present.local_time(e.published_at),
            "url": url_for("portal.edition", period=period, version=e.version),
            "erratum": e.erratum,
        }
        for e in editions.history(period)
    ]


def render_published(ref: EditionRef) -> Rendered:
    key = ("page", ref.id, ref.superseded_by_version, ref.latest_version, request.host_url)

    def render() -> Rendered:
        data = json.loads(editions.edition_data(ref.id))
        links = _published_links(ref, data)
        period = ref.period
        meta = {
            "draft": False,
            "version": ref.version,
            "label": present.edition_label(ref.version),
            "published": present.local_time(ref.published_at),
            "sha256": ref.sha256,
            "erratum": ref.erratum,
            "supersedes_url": ref.supersedes_version
            and url_for("portal.edition", period=period, version=ref.supersedes_version),
            "supersedes_label": present.edition_label(ref.supersedes_version),
            "superseded_by_url": ref.superseded_by_version
            and url_for("portal.edition", period=period, version=ref.latest_version),
            "latest_label": present.edition_label(ref.latest_version),
            "citation": present.citation(
                data, ref.version, ref.published_at, links.permanent, ref.sha256
            ),
            "history": _history(period),
        }
        html = _render(data, meta, links)
        return Rendered(html.encode("utf-8"), etag_of(ref))

    return cache.pages().get_or_load(key, render)


def render_draft(draft: ReportEdition, token: str) -> bytes:
    data = json.loads(draft.data)
    links = present.Links(
        page=url_for("portal.preview", token=token),
        json=url_for("portal.preview_json", token=token),
        csv={tid: url_for("portal.preview_csv", token=token, table=tid) for tid in data["tables"]},
    )
    meta = {
        "draft": True,
        "version": None,
        "label": "草稿",
        "published": "",
        "sha256": draft.sha256,
        "erratum": draft.erratum,
        "citation": "草稿尚未发布，不能引用。",
        "history": _history(draft.report.period),
    }
    return _render(data, meta, links).encode("utf-8")


def _render(data: dict, meta: dict, links: present.Links) -> str:
    cfg = current_app.config
    return render_template(
        "portal/report.html",
        data=data,
        report=data["report"],
        tables=data["tables"],
        rules=data["rules"],
        meta=meta,
        links=links,
        charts=present.build_charts(data),
        table_order=[t for t in present.TABLE_ORDER if t in data["tables"]],
        top_streets=present.top_streets(data, cfg["REPORT_TOP_STREETS"]),
        ranking_classes=present.ranking_classes(data),
    )


def index_context() -> dict:
    """Published reports grouped by year, newest first."""
    years: dict[int, dict] = {}
    for row in editions.published_index():
        year = int(row["period"][:4])
        entry = years.setdefault(year, {"year": year, "annual": None, "months": []})
        item = {
            "period": row["period"],
            "version": row["version"],
            "published": present.local_time(row["published_at"]),
            "url": url_for("portal.latest", period=row["period"]),
        }
        if row["kind"] == "year":
            entry["annual"] = item
        else:
            item["month"] = int(row["period"][5:])
            entry["months"].append(item)
    for entry in years.values():
        entry["months"].sort(key=lambda m: m["month"])
    return {"years": [years[y] for y in sorted(years, reverse=True)]}
