"""The weekly analysis 周分析: the week's volume and its hotspots (未诉先办).

A weekly edition covers one complete ISO week (Monday to Sunday, Beijing time). Its
hotspots are the street × level-1-category cells whose count rose significantly against the
previous weeks (``hotline.reports.hotspots``: exact conditional Poisson test, Benjamini–
Hochberg control of false alarms, a practical floor). Every published cell goes through the
same small-cell suppression as the other reports: a hotspot's own count is at least
``REPORT_SMALL_CELL`` by construction, and a baseline total of 1 to 9 is shown as "<10"
(its mean and exact ratio with it, which would give it away; the ratio is then given as a
lower bound).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hotline.extensions import db
from hotline.reports import sections
from hotline.reports.dictionary import NEW, NO_DATA, table
from hotline.reports.figures import change_pct, comparison_rows, figures, share
from hotline.reports.hotspots import scan_hotspots
from hotline.reports.periods import BadPeriod, Period, Span
from hotline.reports.rollups.queries import RollupQueries
from hotline.reports.settings import ReportSettings
from hotline.reports.sqlfuncs import bucket_key
from hotline.reports.suppression import SMALL, Cell, suppress
from hotline.services.deadlines import to_local

HOTSPOT_NOTE = (
    "热点为本周受理量较此前{k}周显著上升的“街道 × 一级分类”单元格（检验方法见方法说明）。"
    "基线合计1至9件显示为“<10”，此时不显示周均，增长倍数给出下限（“≥”）；"
    "“新增”为基线各周均无诉求。"
)


def _weeks(period: Period, count: int) -> list[date]:
    """The Mondays of the ``count`` baseline weeks and of the week itself, oldest first."""
    monday = period.full.start
    return [monday - timedelta(days=7 * j) for j in range(count, -1, -1)]


def _cell_series(rows, weeks: list[date], first_week: date | None) -> dict:
    """Weekly counts per cell, oldest → this week; weeks before the data began are cut
    (a series that predates the data is not padded with zeros)."""
    used = [w for w in weeks if first_week is None or w >= first_week]
    counts: dict[tuple, dict[str, int]] = {}
    for r in rows:
        key = (
            r.district_code,
            r.district_name,
            r.street_code,
            r.street_name,
            r.category_code,
            r.category_name,
        )
        counts.setdefault(key, {})[bucket_key(r.week, 10)] = r.received
    return {key: [by_week.get(w.isoformat(), 0) for w in used] for key, by_week in counts.items()}


def _hotspot_rows(scan, threshold: int) -> list[dict]:
    cells = []
    for h in scan.hotspots:
        cells.append(Cell(("current", h.key), h.current, groups=()))
        cells.append(Cell(("baseline", h.key), h.baseline_total, groups=()))
    values = suppress(cells, threshold).values
    out = []
    for rank, h in enumerate(scan.hotspots, start=1):
        district_code, district, street_code, street, category_code, category = h.key
        base = values[("baseline", h.key)]
        if h.baseline_total == 0:
            ratio, mean = NEW, 0.0
        elif base == SMALL:
            # total ≤ threshold − 1, so the ratio is at least current·k / (threshold − 1)
            bound = h.current * h.baseline_weeks_used / (threshold - 1)
            ratio, mean = f"≥{bound:.1f}", None
        else:
            ratio, mean = f"{h.ratio:.1f}", round(h.baseline_mean, 1)
        out.append(
            {
                "rank": rank,
                "district": district,
                "district_code": district_code,
                "street": street,
                "street_code": street_code,
                "category": category,
                "code": category_code,
                "received": values[("current", h.key)],
                "baseline_total": base,
                "baseline_weeks": h.baseline_weeks_used,
                "baseline_mean": mean,
                "ratio": ratio,
                "p_value": h.p_value,
                "q_value": h.q_value,
            }
        )
    return out


def _scan_rows(scan) -> list[dict]:
    rows = [
        ("检查的单元格（街道 × 一级分类，本周或基线有诉求）", scan.examined),
        (f"本周不足{scan.min_count}件、未检验的单元格", scan.below_min_count),
        ("没有基线周、未检验的单元格", scan.no_baseline),
        ("参加检验的单元格", scan.tested),
        ("校正后显著的单元格", scan.significant),
        ("列为热点的单元格（同时满足增长倍数）", len(scan.hotspots)),
    ]
    return [{"indicator": a, "value": b, "unit": "个"} for a, b in rows]


def _districts(rows, total: int, available: bool) -> list[dict]:
    before = {r.code: r.received for r in rows["districts_compare"]}
    return [
        {
            "district": r.name,
            "district_code": r.code,
            "received": r.received,
            "share": share(r.received, total),
            "answered": r.answered,
            "dispatched": r.dispatched,
            "previous_received": before.get(r.code, 0) if available else NO_DATA,
            "change_pct": change_pct(r.received, before.get(r.code, 0)) if available else None,
        }
        for r in rows["districts"]
    ]


def run_weekly_queries(period: Period, now: datetime, settings: ReportSettings) -> dict:
    from hotline.reports.builder import tune_session

    covered = period.full
    compare = Span(covered.start - timedelta(days=7), covered.start)
    weeks = int(settings.hotspots["baseline_weeks"])
    baseline = Span(covered.start - timedelta(days=7 * weeks), covered.end)
    dialect = db.session.get_bind().dialect.name
    tune_session(dialect)
    queries = RollupQueries(settings, dialect, as_of=now)  # the rollups, as the builder
    connection = db.session.connection()
    queries.setup(connection, [covered, compare])
    statements = queries.weekly_statements(covered, compare, baseline)
    rows = {name: connection.execute(stmt).all() for name, stmt in statements.items()}
    queries.teardown(connection)
    return {"rows": rows, "covered": covered, "compare": compare, "weeks": weeks}


def build_weekly_snapshot(period: Period, now: datetime) -> dict:
    from hotline.reports.builder import SCHEMA, title_of

    if not period.is_complete(now):
        raise BadPeriod(f"{period.key} 尚未结束，周分析在一周结束后生成")
    settings = ReportSettings.current()
    run = run_weekly_queries(period, now, settings)
    rows, covered, compare, k = run["rows"], run["covered"], run["compare"], run["weeks"]
    current = figures(settings, rows["totals"][0], covered.days)
    previous = figures(settings, rows["totals_compare"][0], compare.days)
    first = rows["data_start"][0].first_received
    state = sections.compare_state(first, compare, previous["received"])
    available = state["available"]
    total = current["received"]

    first_week = Period.week_of(to_local(first).date()).full.start if first else None
    cells = _cell_series(rows["cells"], _weeks(period, k), first_week)
    hs = settings.hotspots
    scan = scan_hotspots(
        cells,
        baseline_weeks=k,
        min_count=settings.small_cell,
        min_ratio=float(hs["min_ratio"]),
        fdr=float(hs["fdr"]),
    )
    daily = [
        {
            "date": (covered.start + timedelta(days=i)).isoformat(),
            "received": 0,
            "answered": 0,
            "dispatched": 0,
        }
        for i in range(covered.days)
    ]
    found = {bucket_key(r.bucket, 10): r for r in rows["daily"]}
    for d in daily:
        if (r := found.get(d["date"])) is not None:
            d.update(received=r.received, answered=r.answered, dispatched=r.dispatched)
    l1 = sections.category_rows(rows["categories_l1"], total, available)
    compare_note = state["note"] if not available else sections.CHANGE_NOTE
    tables = {
        "overview": table(
            "主要指标",
            ("indicator", "value", "unit"),
            [
                {"indicator": "受理量", "value": current["received"], "unit": "件"},
                {"indicator": "直接解答", "value": current["answered"], "unit": "件"},
                {"indicator": "派单办理", "value": current["dispatched"], "unit": "件"},
                {"indicator": "日均受理量", "value": current["daily_average"], "unit": "件/日"},
                {"indicator": "热点单元格", "value": len(scan.hotspots), "unit": "个"},
            ],
        ),
        "comparison": table(
            "与上周比较",
            ("indicator", "current", "previous", "change", "change_unit"),
            comparison_rows(current, previous if available else None)[:4],
            note=state["note"],
        ),
        "hotspots": table(
            "本周热点",
            (
                "rank",
                "district",
                "district_code",
                "street",
                "street_code",
                "category",
                "code",
                "received",
                "baseline_total",
                "baseline_weeks",
                "baseline_mean",
                "ratio",
                "p_value",
                "q_value",
            ),
            _hotspot_rows(scan, settings.small_cell),
            note=HOTSPOT_NOTE.format(k=k),
        ),
        "hotspot_scan": table("热点检验概况", ("indicator", "value", "unit"), _scan_rows(scan)),
        "daily": table("每日受理量", ("date", "received", "answered", "dispatched"), daily),
        "districts": table(
            "各区受理量",
            (
                "district",
                "district_code",
                "received",
                "share",
                "answered",
                "dispatched",
                "previous_received",
                "change_pct",
            ),
            _districts(rows, total, available),
            note=compare_note,
        ),
        "categories_l1": table(
            f"受理量前{len(l1)}位的一级分类" if l1 else "一级分类",
            ("rank", "code", "category", "received", "share", "previous_received", "change_pct"),
            l1,
            note=compare_note,
        ),
    }
    report = {
        "kind": period.kind.value,
        "period": period.key,
        "label": period.label,
        "title": title_of(period),
        **covered.as_dict(),
        "complete": True,
        "as_of": to_local(now).isoformat(timespec="seconds"),
        "compare": {
            "label": "环比",
            "period": Period.week_of(compare.start).key,
            **compare.as_dict(),
            **state,
        },
    }
    rules = settings.snapshot()
    rules["hotspots"] = {
        "baseline_weeks": k,
        "min_count": settings.small_cell,
        "min_ratio": float(hs["min_ratio"]),
        "fdr": float(hs["fdr"]),
        "method": scan.method_text,
    }
    return {
        "schema": SCHEMA,
        "report": report,
        "rules": rules,
        "summary": {"current": current, "previous": previous if available else None},
        "tables": tables,
        "dictionary": sections.conventions(),
    }
