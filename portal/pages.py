"""Rendering the report pages and their downloads from stored editions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import current_app, render_template, request, url_for

from hotline.reports import editions, schedule
from hotline.reports.editions import EditionRef
from hotline.reports.periods import Period
from portal import cache, diff, districts, present


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
    out = []
    for e in editions.history(period):
        item = {
            "version": e.version,
            "label": present.edition_label(e.version),
            "published": present.local_time(e.published_at),
            "url": url_for("portal.edition", period=period, version=e.version),
            "erratum": e.erratum,
            "diff_url": None,
        }
        if out:
            item["diff_url"] = url_for(
                "portal.diff", period=period, version=e.version, other=out[-1]["version"]
            )
        out.append(item)
    return out


def _release(ref: EditionRef) -> dict | None:
    if ref.scheduled_for is None:
        return None
    return {
        "scheduled": ref.scheduled_for.isoformat(),
        "on_time": ref.on_time,
    }


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
            "release": _release(ref),
            "access": present.access_rows(editions.pre_release_access(ref)),
        }
        html = _render(data, meta, links)
        return Rendered(html.encode("utf-8"), etag_of(ref))

    return cache.pages().get_or_load(key, render)


def render_draft(preview: editions.Preview, token: str) -> bytes:
    draft = preview.edition
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
        "release": None,
        "access": [],
        "issued_to": {
            "staff_no": preview.staff.staff_no,
            "name": present.masked_name(preview.staff.display_name),
        },
    }
    return _render(data, meta, links).encode("utf-8")


def _render(data: dict, meta: dict, links: present.Links) -> str:
    cfg = current_app.config
    if data["report"]["kind"] == "week":
        return render_template(
            "portal/weekly.html",
            data=data,
            report=data["report"],
            tables=data["tables"],
            rules=data["rules"],
            meta=meta,
            links=links,
            charts=present.build_charts(data),
            table_order=[t for t in present.TABLE_ORDER if t in data["tables"]],
        )
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
        too_few=present.too_few(data),
    )


def index_context() -> dict:
    """Published reports grouped by year, newest first; the latest weekly analysis first."""
    years: dict[int, dict] = {}
    latest_week = None
    for row in editions.published_index():
        year = int(row["period"][:4])
        entry = years.setdefault(year, {"year": year, "annual": None, "months": [], "weeks": []})
        item = {
            "period": row["period"],
            "version": row["version"],
            "published": present.local_time(row["published_at"]),
            "url": url_for("portal.latest", period=row["period"]),
        }
        if row["kind"] == "year":
            entry["annual"] = item
        elif row["kind"] == "week":
            item["week"] = int(row["period"][6:])
            item["label"] = Period.parse(row["period"]).label
            entry["weeks"].append(item)
            if latest_week is None or item["period"] > latest_week["period"]:
                latest_week = item
        else:
            item["month"] = int(row["period"][5:])
            entry["months"].append(item)
    for entry in years.values():
        entry["months"].sort(key=lambda m: m["month"])
        entry["weeks"].sort(key=lambda w: w["week"])
    return {
        "years": [years[y] for y in sorted(years, reverse=True)],
        "latest_week": latest_week,
    }


# -- district pages ------------------------------------------------------------------------------
def district_entry(code: str) -> dict | None:
    return districts.index().get(code)


def render_district(entry: dict) -> Rendered:
    key = ("district", entry["code"], request.host_url)

    def render() -> Rendered:
        tables = districts.tables(entry)
        links = {
            tid: url_for("portal.district_csv", code=entry["code"], table=tid) for tid in tables
        }
        html = render_template(
            "portal/district.html",
            entry=entry,
            tables=tables,
            charts=districts.charts(entry),
            csv=links,
            json_url=url_for("portal.district_json", code=entry["code"]),
            others=sorted(districts.index().values(), key=lambda d: d["code"]),
        )
        return Rendered(html.encode("utf-8"), district_etag(entry))

    return cache.pages().get_or_load(key, render)


def district_etag(entry: dict) -> str:
    sources = sorted({r["sha256"] for r in entry["series"]})
    sources += [
        entry["streets_source"].get("sha256", ""),
        entry["categories_source"].get("sha256", ""),
    ]
    return hashlib.sha256("|".join(sources).encode()).hexdigest()[:32]


def district_list() -> list[dict]:
    return sorted(districts.index().values(), key=lambda d: d["code"])


# -- edition diffs -------------------------------------------------------------------------------
def render_diff(old: EditionRef, new: EditionRef) -> Rendered:
    key = ("diff", old.id, new.id, request.host_url)

    def render() -> Rendered:
        before = json.loads(editions.edition_data(old.id))
        after = json.loads(editions.edition_data(new.id))
        errata = [h for h in _history(new.period) if old.version < h["version"] <= new.version]
        html = render_template(
            "portal/diff.html",
            report=after["report"],
            old=old,
            new=new,
            old_url=url_for("portal.edition", period=old.period, version=old.version),
            new_url=url_for("portal.edition", period=new.period, version=new.version),
            errata=errata,
            result=diff.diff(before, after),
        )
        return Rendered(html.encode("utf-8"), f"{old.sha256[:16]}.{new.sha256[:16]}")

    return cache.pages().get_or_load(key, render)


# -- the release calendar ------------------------------------------------------------------------
KIND_LABELS = {"year": "年度报告", "month": "月通报", "week": "周分析"}


def render_calendar() -> Rendered:
    today = editions.today_local()
    key = ("calendar", today, request.host_url)

    def render() -> Rendered:
        rules = current_app.config["REPORT_SCHEDULE"]
        releases = editions.first_releases()
        published = {(str(r["kind"]), r["period"]): r for r in releases}
        upcoming = []
        for period, due in schedule.upcoming(today, rules):
            done = published.get((period.kind.value, period.key))
            upcoming.append(
                {
                    "period": period.key,
                    "title": f"{period.label}{KIND_LABELS[period.kind.value]}",
                    "kind": KIND_LABELS[period.kind.value],
                    "due": due.isoformat(),
                    "weekday": "一二三四五六日"[due.weekday()],
                    "published": present.local_time(done["published_at"]) if done else "",
                    "url": url_for("portal.latest", period=period.key) if done else None,
                }
            )
        record = [
            {
                "period": r["period"],
                "title": f"{Period.parse(r['period']).label}{KIND_LABELS[str(r['kind'])]}",
                "kind": KIND_LABELS[str(r["kind"])],
                "due": r["scheduled_for"].isoformat() if r["scheduled_for"] else "",
                "published": present.local_time(r["published_at"]),
                "on_time": r["on_time"],
                "url": url_for("portal.latest", period=r["period"]),
            }
            for r in releases[:60]
        ]
        years = sorted({int(u["due"][:4]) for u in upcoming})
        html = render_template(
            "portal/calendar.html",
            today=today.isoformat(),
            upcoming=upcoming,
            record=record,
            rules=rules,
            unknown_years=[y for y in years if not schedule.arrangement_known(y)],
        )
        digest = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32]
        return Rendered(html.encode("utf-8"), digest)

    return cache.pages().get_or_load(key, render)
