"""District pages (``/reports/districts/<code>``), built from published editions only.

Every number on a district page is copied from a published edition and names it (period,
version, SHA-256), so it can be cited the same way as the report it comes from:

- the monthly series of volume and the three rates: a month's own 月通报 (its ``districts``
  table) where one is published, else the yearly report's ``district_monthly`` table;
- the district's streets ranked: the latest 月通报's ``ranking`` table;
- its top categories: the latest 月通报's ``district_categories`` table.

Editions published before district codes were added to the tables name districts only; they
are matched by name. The index of all districts is built once per publication (the shared
version ``portal``) from the latest edition of every report.
"""

from __future__ import annotations

import json

from flask import url_for
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.places import District
from hotline.reports import editions
from hotline.reports.dictionary import columns
from hotline.reports.periods import Period
from portal import cache, present

RATES = ("response_rate", "resolution_rate", "satisfaction_rate", "composite")
SERIES_KEYS = ("month", "district_code", "received", "dispatched", *RATES, "edition", "sha256")
STREET_KEYS = (
    "rank",
    "street",
    "street_code",
    *RATES,
    "previous_rank",
    "class",
    "remark",
)
CATEGORY_KEYS = ("rank", "code", "category", "level1", "received", "share")
TABLES = {
    "series": "月度受理量与三率",
    "streets": "街道乡镇排名",
    "categories": "主要诉求分类",
}


def _cite(kind: str, ed: dict) -> dict:
    period = Period.parse(ed["period"])
    label = f"{period.label}{'年度报告' if kind == 'year' else '月通报'} 第{ed['version']}版"
    return {
        "edition": label,
        "sha256": ed["sha256"],
        "url": url_for("portal.edition", period=ed["period"], version=ed["version"]),
    }


def _code_of(row: dict, names: dict[str, str]) -> str | None:
    return row.get("district_code") or names.get(row.get("district", ""))


def build_index() -> dict[str, dict]:
    names = dict(db.session.execute(select(District.name, District.code)).all())
    index: dict[str, dict] = {}

    def district(code: str, name: str) -> dict:
        return index.setdefault(
            code,
            {
                "code": code,
                "name": name,
                "series": {},
                "streets": [],
                "streets_source": None,
                "categories": [],
                "categories_source": None,
            },
        )

    for ed in editions.latest_editions("year"):
        data = json.loads(editions.edition_data(ed["id"]))
        cite = _cite("year", ed)
        for row in data["tables"].get("district_monthly", {}).get("rows", []):
            if code := _code_of(row, names):
                entry = district(code, row["district"])
                entry["series"][row["month"]] = {
                    **{k: row.get(k) for k in SERIES_KEYS},
                    "district_code": code,
                    **cite,
                }
    monthly = editions.latest_editions("month")
    for ed in monthly:
        data = json.loads(editions.edition_data(ed["id"]))
        cite = _cite("month", ed)
        for row in data["tables"]["districts"]["rows"]:
            if code := _code_of(row, names):
                entry = district(code, row["district"])
                entry["series"][ed["period"]] = {
                    **{k: row.get(k) for k in SERIES_KEYS},
                    "month": ed["period"],
                    "district_code": code,
                    **cite,
                }
    if monthly:
        latest = monthly[-1]
        data = json.loads(editions.edition_data(latest["id"]))
        cite = _cite("month", latest)
        for row in data["tables"].get("ranking", {}).get("rows", []):
            if (code := _code_of(row, names)) in index:
                index[code]["streets"].append({k: row.get(k) for k in STREET_KEYS})
                index[code]["streets_source"] = cite
        for row in data["tables"].get("district_categories", {}).get("rows", []):
            if (code := _code_of(row, names)) in index:
                index[code]["categories"].append({k: row.get(k) for k in CATEGORY_KEYS})
                index[code]["categories_source"] = cite
    for entry in index.values():
        entry["series"] = [entry["series"][m] for m in sorted(entry["series"])]
        entry["streets"].sort(key=_street_order)
        for source in ("streets", "categories"):
            if entry[f"{source}_source"] is None:
                entry[f"{source}_source"] = {}
    return index


def _street_order(row: dict) -> tuple:
    if row["rank"] is not None:
        return (0, row["rank"], row.get("street_code") or "")
    return (1 if row.get("remark") else 2, 0, row.get("street_code") or "")


def index() -> dict[str, dict]:
    return cache.pages().get_or_load(("districts",), build_index)


def tables(entry: dict) -> dict[str, dict]:
    """The page's three tables in the snapshot's table shape (for the page and the CSV)."""
    src_s, src_c = entry["streets_source"], entry["categories_source"]
    return {
        "series": {
            "title": f"{entry['name']}{TABLES['series']}",
            "columns": columns(*SERIES_KEYS),
            "rows": entry["series"],
            "note": (
                "每行数字出自“来源版本”所列的已发布报告；派单或评价不足规定件数的比率显示为“—”。"
            ),
        },
        "streets": {
            "title": f"{entry['name']}{TABLES['streets']}",
            "columns": columns(*STREET_KEYS),
            "rows": entry["streets"],
            "note": (f"出自{src_s['edition']}。" if src_s else "")
            + "“样本不足”：当月评价件数不足排名所需的最低件数，不参与排名。",
        },
        "categories": {
            "title": f"{entry['name']}{TABLES['categories']}",
            "columns": columns(*CATEGORY_KEYS),
            "rows": entry["categories"],
            "note": (f"出自{src_c['edition']}。" if src_c else "") + "占比为占该区受理量的百分比。",
        },
    }


def charts(entry: dict):
    rows = entry["series"]
    labels = [f"{r['month'][2:4]}年{int(r['month'][5:])}月" for r in rows]
    volume = present.charts.line_chart(
        "chart-district-volume",
        f"{entry['name']}月度受理量",
        labels,
        [("受理量", [r["received"] for r in rows]), ("派单量", [r["dispatched"] for r in rows])],
        tick_every=_ticks(len(rows)),
    )
    rates = present.charts.line_chart(
        "chart-district-rates",
        f"{entry['name']}月度三率",
        labels,
        [
            ("响应率", [r["response_rate"] for r in rows]),
            ("解决率", [r["resolution_rate"] for r in rows]),
            ("满意率", [r["satisfaction_rate"] for r in rows]),
        ],
        tick_every=_ticks(len(rows)),
        unit="%",
    )
    return {"volume": volume, "rates": rates}


def _ticks(n: int) -> int:
    """Label every k-th month so that at most about eight labels share the axis."""
    return max(1, -(-n // 8))
