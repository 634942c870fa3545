"""From a stored snapshot to what the report page shows: charts, formatted cells, citation.

Pages render from the edition's stored snapshot only, never from live orders.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import current_app, url_for
from markupsafe import Markup

from hotline.services.deadlines import to_local
from portal import charts
from privacy.roles import ROLE_LABELS

# The order of the sections' tables on the page; the CSV list follows it too.
TABLE_ORDER = (
    "overview",
    "comparison",
    "monthly",
    "daily",
    "channels",
    "kinds",
    "categories_l1",
    "categories_l3",
    "districts",
    "district_monthly",
    "district_categories",
    "streets",
    "unit_kinds",
    "ranking",
    "ranking_months",
    "governance_streets",
    "topics",
    "hotspots",
    "hotspot_scan",
)
RIGHT_ALIGNED = {"count", "number", "percent", "score", "rank", "pvalue"}
# Tables wider than this many shown columns carry a visible "scrolls sideways" hint.
WIDE_TABLE = 7


def fmt(value, kind: str = "count") -> str:
    """A cell as shown: thousands separators, one or two decimals, "—" for no value."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    if kind == "pvalue":
        return f"{value:.1e}" if value < 0.001 else f"{value:.3f}"
    if kind == "score":
        return f"{value:,.2f}"
    if kind == "number" and isinstance(value, float):
        text = f"{value:,.2f}"
        return text[:-1] if text.endswith("0") else text  # 69.00 → 69.0, 69.53 stays
    if kind == "percent" or isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def cell_class(kind: str) -> str:
    return "num" if kind in RIGHT_ALIGNED else ""


@dataclass
class Links:
    """Where the page's downloads live: a published edition, or a draft's preview."""

    page: str
    json: str
    csv: dict[str, str]
    permanent: str | None = None


def _bars(table: dict, label_key: str, value_key: str) -> list[tuple[str, float]]:
    return [
        (str(r[label_key]), r[value_key])
        for r in table["rows"]
        if isinstance(r.get(value_key), int | float)
    ]


def shown_columns(table: dict) -> list[dict]:
    """The columns a page shows: codes stay in the downloads (and in the links)."""
    return [c for c in table["columns"] if c["type"] not in ("code", "digest")]


def build_charts(data: dict) -> dict[str, Markup]:
    t = data["tables"]
    out: dict[str, Markup] = {}
    if data["report"]["kind"] == "week":
        out["daily"] = charts.line_chart(
            "chart-daily",
            "每日受理量",
            [f"{int(r['date'][5:7])}月{int(r['date'][8:])}日" for r in t["daily"]["rows"]],
            _series(t["daily"]["rows"]),
        )
        out["districts"] = charts.bar_chart(
            "chart-districts",
            t["districts"]["title"],
            _bars(t["districts"], "district", "received"),
            "件",
        )
        return out
    if "monthly" in t:
        rows = t["monthly"]["rows"]
        out["monthly"] = charts.line_chart(
            "chart-monthly",
            "月度受理量",
            [f"{int(r['month'][5:])}月" for r in rows],
            _series(rows),
        )
    else:
        rows = t["daily"]["rows"]
        out["daily"] = charts.line_chart(
            "chart-daily",
            "每日受理量",
            [f"{int(r['date'][8:])}日" for r in rows],
            _series(rows),
            tick_every=5,
        )
    for tid, label, value, unit in (
        ("channels", "channel", "received", "件"),
        ("kinds", "kind", "received", "件"),
        ("categories_l1", "category", "received", "件"),
        ("categories_l3", "category", "received", "件"),
        ("districts", "district", "received", "件"),
        ("unit_kinds", "unit_kind", "dispatched", "件"),
    ):
        out[tid] = charts.bar_chart(
            f"chart-{tid}", t[tid]["title"], _bars(t[tid], label, value), unit
        )
    composite = _bars(t["districts"], "district", "composite")
    composite.sort(key=lambda item: -item[1])
    out["districts_composite"] = charts.bar_chart(
        "chart-districts-composite", "各区综合得分", composite, "分"
    )
    return out


def _series(rows: list[dict]) -> list[tuple[str, list[float]]]:
    return [
        ("受理量", [r["received"] for r in rows]),
        ("派单量", [r["dispatched"] for r in rows]),
        ("直接解答", [r["answered"] for r in rows]),
    ]


def ranking_classes(data: dict) -> list[tuple[str, list[dict]]]:
    rows = data["tables"].get("ranking", {}).get("rows", [])
    return [
        (name, [r for r in rows if r["class"] == name])
        for name in ("先进类", "进步类", "整改类", "治理类")
    ]


def too_few(data: dict) -> list[dict]:
    rows = data["tables"].get("ranking", {}).get("rows", [])
    return [r for r in rows if r.get("remark") == "样本不足"]


def masked_name(name: str | None) -> str:
    """Staff names on a public page: the surname only, as citizens see handlers."""
    from privacy.masking import mask_name

    return mask_name(name) or "—"


def access_rows(people: list[dict]) -> list[dict]:
    return [
        {
            "staff_no": p["staff_no"],
            "name": masked_name(p["name"]),
            "role": ROLE_LABELS.get(p["role"], "工作人员"),
            "first": local_time(p["first"]),
            "views": p["views"],
        }
        for p in people
    ]


def top_streets(data: dict, limit: int) -> list[dict]:
    rows = [r for r in data["tables"]["streets"]["rows"] if isinstance(r["received"], int)]
    rows.sort(key=lambda r: -r["received"])
    return rows[:limit]


def local_time(value: datetime | None) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def edition_label(version: int | None) -> str:
    return f"第{version}版" if version else "草稿"


def citation(data: dict, version: int | None, published_at, url: str, sha256: str) -> str:
    """Title, edition, date, URL and SHA-256, in that order, on one line."""
    report = data["report"]
    date = to_local(published_at).strftime("%Y-%m-%d") if published_at else "未发布"
    return f"{report['title']}，{edition_label(version)}，{date}发布。{url}（SHA-256：{sha256}）"


@cache
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """A static file's URL with its content hash, so browsers may cache it for long."""
    digest = _file_digest(str(Path(current_app.static_folder) / filename))
    return url_for("static", filename=filename, v=digest)
