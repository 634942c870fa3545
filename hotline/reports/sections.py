"""Turn the aggregated query rows into the snapshot's key figures and tables."""

from __future__ import annotations

from datetime import timedelta

from hotline.models.enums import (
    CHANNEL_LABELS,
    KIND_LABELS,
    UNIT_KIND_LABELS,
    Channel,
    OrderKind,
    UnitKind,
)
from hotline.models.reports import ReportKind
from hotline.reports import ranking
from hotline.reports.dictionary import CONVENTIONS, NO_DATA, TOO_FEW, table
from hotline.reports.figures import (
    change_pct,
    comparison_rows,
    figures,
    overview_rows,
    rates_of,
    share,
)
from hotline.reports.periods import Period, Span
from hotline.reports.settings import ReportSettings
from hotline.reports.sqlfuncs import bucket_key
from hotline.reports.suppression import Cell, suppress
from hotline.services.deadlines import to_local

NO_STREET = "（未明确街道）"
NO_UNIT = "（退回待重新派单）"
UNCATEGORISED = "（未分类）"
WITHHELD = "（本期该区受理量过少，不公布街道明细）"
SUPPRESSION_NOTE = "区级以下1至9件显示为“<10”；“*”为防止相减推算而一并隐藏的数量。"
RATES_NOTE = "“—”：派单或评价不足{n}件，比率与综合得分不予计算。"
CHANGE_NOTE = "增减幅度为“—”：对比期为0，无法计算幅度。"
RANKING_NOTE = (
    "当月评价不少于{m}件、且三率均可计算的街道乡镇才参与排名；"
    "有综合得分但评价不足{m}件的标为“样本不足”，不排名次、不分类。"
)


def compare_state(first_received, compare: Span, previous_received: int) -> dict:
    """Whether the comparison period has data: it has none when the data begin after it,
    and is incomplete when they begin inside it (counted from the first order's month, the
    month the records start). Then its figures are "无数据", never 0."""
    if first_received is None or previous_received == 0:
        return {"available": False, "note": "对比期没有数据，不作比较（不是0）。"}
    first = to_local(first_received).date().replace(day=1)
    if first >= compare.end:
        return {"available": False, "note": "对比期没有数据，不作比较（不是0）。"}
    if first > compare.start:
        return {
            "available": False,
            "note": f"数据自{first.year}年{first.month}月起，对比期数据不完整，不作比较。",
        }
    return {"available": True, "note": None}


def _join_notes(*notes: str | None) -> str | None:
    text = "".join(n for n in notes if n)
    return text or None


def conventions() -> dict:
    return dict(CONVENTIONS)


def _peak(daily: list[dict]) -> dict | None:
    best = max(daily, key=lambda d: (d["received"], -int(d["date"].replace("-", ""))), default=None)
    return (
        {"date": best["date"], "received": best["received"]} if best and best["received"] else None
    )


def _days(span: Span) -> list[str]:
    return [(span.start + timedelta(days=i)).isoformat() for i in range(span.days)]


def _trend(rows, keys: list[str], key_name: str) -> list[dict]:
    found = {bucket_key(r.bucket, len(keys[0]) if keys else 10): r for r in rows}
    out = []
    for k in keys:
        r = found.get(k)
        out.append(
            {
                key_name: k,
                "received": r.received if r else 0,
                "answered": r.answered if r else 0,
                "dispatched": r.dispatched if r else 0,
            }
        )
    return out


def _by_enum(rows, labels: dict, order, total: int, key_name: str) -> list[dict]:
    counts = {r.key: r.received for r in rows}
    out = [{key_name: labels[m], "received": counts.get(m, 0)} for m in order]
    out.sort(key=lambda r: -r["received"])  # stable: ties keep the enum's order
    for r in out:
        r["share"] = share(r["received"], total)
    return out


def category_rows(rows, total: int, available: bool = True) -> list[dict]:
    return [
        {
            "rank": i,
            "code": r.code,
            "category": r.name or UNCATEGORISED,
            "level1": r.level1_name,
            "received": r.current,
            "share": share(r.current, total),
            "previous_received": r.previous if available else NO_DATA,
            "change_pct": change_pct(r.current, r.previous) if available else None,
        }
        for i, r in enumerate(rows, start=1)
    ]


def _district_categories(rows, totals: dict[str, int], top: int) -> list[dict]:
    out, seen = [], {}
    for r in rows:
        n = seen[r.district_code] = seen.get(r.district_code, 0) + 1
        if n > top:
            continue
        out.append(
            {
                "district_code": r.district_code,
                "district": r.district_name,
                "rank": n,
                "code": r.code,
                "category": r.name or UNCATEGORISED,
                "level1": r.level1_name,
                "received": r.received,
                "share": share(r.received, totals.get(r.district_code, 0)),
            }
        )
    return out


def _district_months(settings: ReportSettings, rows) -> list[dict]:
    return [
        {
            "district_code": r.code,
            "district": r.name,
            "month": bucket_key(r.month, 7),
            "received": r.received,
            "answered": r.answered,
            "dispatched": r.dispatched,
            **{
                k: v
                for k, v in rates_of(settings, r).items()
                if k in ("response_rate", "resolution_rate", "satisfaction_rate", "composite")
            },
        }
        for r in rows
    ]


def _streets(rows, threshold: int) -> list[dict]:
    """Streets by district, suppressed. Where a district's small total would give its only
    small street away whatever is hidden, that district's streets are not listed at all."""
    cells = [
        Cell((r.district_code, r.street_code or ""), r.received, groups=(r.district_code,))
        for r in rows
    ]
    result = suppress(cells, threshold)
    out, withheld = [], set()
    for r in rows:
        if r.district_code in result.exposed:
            if r.district_code not in withheld:
                withheld.add(r.district_code)
                out.append(
                    {
                        "district_code": r.district_code,
                        "district": r.district_name,
                        "street_code": None,
                        "street": WITHHELD,
                        "received": None,
                    }
                )
            continue
        out.append(
            {
                "district_code": r.district_code,
                "district": r.district_name,
                "street_code": r.street_code,
                "street": r.street_name or NO_STREET,
                "received": result.values[(r.district_code, r.street_code or "")],
            }
        )
    return out


def _unit_kinds(settings: ReportSettings, rows, dispatched: int) -> list[dict]:
    found = {r.unit_kind: r for r in rows}
    out = []
    for kind in [*UnitKind, None]:
        r = found.get(kind)
        if r is None:
            continue
        label = UNIT_KIND_LABELS[kind] if kind else NO_UNIT
        out.append(
            {
                "unit_kind": label,
                "dispatched": r.dispatched,
                "share": share(r.dispatched, dispatched),
                "overdue": r.overdue,
                "urged": r.urged,
                **rates_of(settings, r),
            }
        )
    return out


def _ranking_rows(streets: list[ranking.StreetMonth], small_cell: int) -> list[dict]:
    """The month's ranking; the 催办 count of a street office is a count below the district,
    so it goes through the small-cell rule (the month's street offices as one group)."""
    urged = suppress([Cell(s.unit_code, s.urged, groups=("month",)) for s in streets], small_cell)
    return [
        {
            "rank": s.rank,
            "street": s.street,
            "street_code": s.street_code,
            "district": s.district,
            "district_code": s.district_code,
            **s.rates.as_dict(),
            "previous_rank": s.previous_rank,
            "class": s.klass,
            "urged": urged.values[s.unit_code],
            "remark": TOO_FEW if s.too_few and s.rates.composite is not None else None,
        }
        for s in streets
    ]


def _ranking_year(months: dict[str, list]) -> tuple[list[dict], list[dict]]:
    summary, governance = [], {}
    for month, streets in sorted(months.items()):
        counts = {k: sum(1 for s in streets if s.klass == k) for k in ranking.CLASSES}
        summary.append(
            {
                "month": month,
                "ranked": sum(1 for s in streets if s.rank is not None),
                "insufficient": sum(
                    1 for s in streets if s.too_few and s.rates.composite is not None
                ),
                "advanced": counts[ranking.ADVANCED],
                "improving": counts[ranking.IMPROVING],
                "rectify": counts[ranking.RECTIFY],
                "governance": counts[ranking.GOVERNANCE],
            }
        )
        for s in streets:
            if s.klass == ranking.GOVERNANCE:
                entry = governance.setdefault(
                    s.unit_code,
                    {
                        "street": s.street,
                        "street_code": s.street_code,
                        "district": s.district,
                        "district_code": s.district_code,
                        "m": [],
                    },
                )
                entry["m"].append(f"{int(month[5:])}月")
    listed = [
        {
            **{k: v for k, v in g.items() if k != "m"},
            "governance_months": len(g["m"]),
            "months": "、".join(g["m"]),
        }
        for g in governance.values()
    ]
    listed.sort(key=lambda g: (-g["governance_months"], g["district"], g["street"]))
    return summary, listed


def topics_table(topics: list[dict]) -> dict:
    keys = ("month", "title", "lead_department", "status", "summary")
    return table("每月一题", keys, topics, note="题目与进展由发布人录入。")


def make_tables(
    period: Period, settings: ReportSettings, rows: dict, covered: Span, compare: Span
) -> tuple[dict, dict, dict]:
    """The snapshot's tables, its summary and the state of its comparison period."""
    current = figures(settings, rows["totals"][0], covered.days)
    previous = figures(settings, rows["totals_compare"][0], compare.days)
    state = compare_state(rows["data_start"][0].first_received, compare, previous["received"])
    available = state["available"]
    daily = _trend(rows["daily"], _days(covered), "date")
    current["peak_day"] = _peak(daily)
    total = current["received"]
    summary = {"current": current, "previous": previous if available else None}
    rates_note = RATES_NOTE.format(n=settings.min_rated)
    compare_note = state["note"] if not available else CHANGE_NOTE
    l1 = category_rows(rows["categories_l1"], total, available)
    l3 = category_rows(rows["categories_l3"], total, available)
    districts = _districts(settings, rows, total, available)
    district_totals = {r["district_code"]: r["received"] for r in districts}

    tables = {
        "overview": table("主要指标", ("indicator", "value", "unit"), overview_rows(current)),
        "comparison": table(
            "与对比期比较",
            ("indicator", "current", "previous", "change", "change_unit"),
            comparison_rows(current, previous if available else None),
            note=_join_notes(state["note"], rates_note),
        ),
        "daily": table("每日受理量", ("date", "received", "answered", "dispatched"), daily),
        "channels": table(
            "受理渠道",
            ("channel", "received", "share"),
            _by_enum(rows["channels"], CHANNEL_LABELS, list(Channel), total, "channel"),
        ),
        "kinds": table(
            "诉求类型",
            ("kind", "received", "share"),
            _by_enum(rows["kinds"], KIND_LABELS, list(OrderKind), total, "kind"),
        ),
        "categories_l1": table(
            f"受理量前{len(l1)}位的一级分类" if l1 else "一级分类",
            ("rank", "code", "category", "received", "share", "previous_received", "change_pct"),
            l1,
            note=compare_note,
        ),
        "categories_l3": table(
            f"受理量前{len(l3)}位的三级分类（具体问题）" if l3 else "三级分类（具体问题）",
            (
                "rank",
                "code",
                "category",
                "level1",
                "received",
                "share",
                "previous_received",
                "change_pct",
            ),
            l3,
            note=compare_note,
        ),
        "districts": table(
            "各区情况",
            (
                "district",
                "district_code",
                "received",
                "share",
                "answered",
                "dispatched",
                "response_rate",
                "resolution_rate",
                "satisfaction_rate",
                "composite",
                "on_time_rate",
                "overdue",
                "previous_received",
                "change_pct",
            ),
            districts,
            note=_join_notes(rates_note, compare_note),
        ),
        "district_categories": table(
            f"各区受理量前{settings.district_top}位的三级分类",
            (
                "district",
                "district_code",
                "rank",
                "code",
                "category",
                "level1",
                "received",
                "share",
            ),
            _district_categories(
                rows["district_categories"], district_totals, settings.district_top
            ),
            note="占比为占该区受理量的百分比。",
        ),
        "streets": table(
            "各街道（乡镇）受理量",
            ("district", "district_code", "street", "street_code", "received"),
            _streets(rows["streets"], settings.small_cell),
            note=SUPPRESSION_NOTE,
        ),
        "unit_kinds": table(
            "按承办单位类型",
            (
                "unit_kind",
                "dispatched",
                "share",
                "response_rate",
                "resolution_rate",
                "satisfaction_rate",
                "composite",
                "on_time_rate",
                "overdue",
                "urged",
            ),
            _unit_kinds(settings, rows["unit_kinds"], current["dispatched"]),
            note=rates_note,
        ),
    }
    ranked = ranking.rank_months(settings, rows["street_units"], covered.months())
    ranking_note = RANKING_NOTE.format(m=settings.ranking_min_rated)
    ranking_keys = (
        "rank",
        "street",
        "street_code",
        "district",
        "district_code",
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "composite",
        "previous_rank",
        "class",
        "urged",
        "remark",
    )
    if period.kind == ReportKind.YEAR:
        tables["monthly"] = table(
            "月度受理量",
            ("month", "received", "answered", "dispatched"),
            _trend(rows["monthly"], covered.months(), "month"),
        )
        tables["district_monthly"] = table(
            "各区月度受理量与三率",
            (
                "district",
                "district_code",
                "month",
                "received",
                "answered",
                "dispatched",
                "response_rate",
                "resolution_rate",
                "satisfaction_rate",
                "composite",
            ),
            _district_months(settings, rows["district_months"]),
            note=rates_note,
        )
        summary_rows, governance = _ranking_year(ranked)
        tables["ranking_months"] = table(
            "街道乡镇月度排名分类",
            ("month", "ranked", "insufficient", "advanced", "improving", "rectify", "governance"),
            summary_rows,
            note=ranking_note,
        )
        tables["governance_streets"] = table(
            "列入治理类的街道乡镇",
            ("street", "street_code", "district", "district_code", "governance_months", "months"),
            governance,
        )
    else:
        tables["ranking"] = table(
            "街道乡镇排名",
            ranking_keys,
            _ranking_rows(ranked.get(period.key, []), settings.small_cell),
            note=_join_notes(ranking_note, rates_note),
        )
    return tables, summary, state


def _districts(settings: ReportSettings, rows: dict, total: int, available: bool) -> list[dict]:
    before = {r.code: r.received for r in rows["districts_compare"]}
    out = []
    for r in rows["districts"]:
        prev = before.get(r.code, 0)
        out.append(
            {
                "district": r.name,
                "district_code": r.code,
                "received": r.received,
                "share": share(r.received, total),
                "answered": r.answered,
                "dispatched": r.dispatched,
                **rates_of(settings, r),
                "overdue": r.overdue,
                "previous_received": prev if available else NO_DATA,
                "change_pct": change_pct(r.received, prev) if available else None,
            }
        )
    return out
