"""Key figures of a period and the tables that present them: overview and comparison."""

from __future__ import annotations

from hotline.reports.dictionary import NO_DATA
from hotline.reports.scoring import compute_rates
from hotline.reports.settings import ReportSettings


def share(part: int, total: int) -> float | None:
    return round(100 * part / total, 1) if total else None


def change_pct(current: int, previous: int) -> float | None:
    # (+ 0.0: a change that rounds to zero is 0.0, never "-0.0")
    return round(100 * (current - previous) / previous, 1) + 0.0 if previous else None


def points(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return round(current - previous, 2) + 0.0


def rates_of(settings: ReportSettings, row) -> dict:
    rates = compute_rates(
        settings,
        dispatched=row.dispatched,
        responded=row.responded,
        rated=int(row.rated),
        res_sum=row.res_sum,
        sat_sum=row.sat_sum,
    )
    completed = row.completed
    on_time = round(100 * row.on_time / completed, 1) if completed >= settings.min_rated else None
    return {**rates.as_dict(), "on_time_rate": on_time, "rated": rates.rated}


def figures(settings: ReportSettings, row, days: int) -> dict:
    return {
        "received": row.received,
        "answered": row.answered,
        "dispatched": row.dispatched,
        "withdrawn": row.withdrawn,
        "pending": row.received - row.answered - row.dispatched - row.withdrawn,
        "repeats_merged": int(row.repeats),
        "daily_average": round(row.received / days, 1) if days else None,
        "completed": row.completed,
        "on_time": row.on_time,
        "overdue": row.overdue,
        **rates_of(settings, row),
    }


def overview_rows(f: dict) -> list[dict]:
    peak = f.get("peak_day")
    rows = [
        ("受理量", f["received"], "件"),
        ("直接解答", f["answered"], "件"),
        ("派单办理", f["dispatched"], "件"),
        ("诉求人撤回", f.get("withdrawn"), "件"),
        ("尚在受理环节", f["pending"], "件"),
        ("重复诉求合并", f["repeats_merged"], "件"),
        ("日均受理量", f["daily_average"], "件/日"),
        (
            f"单日最高受理量（{peak['date']}）" if peak else "单日最高受理量",
            peak and peak["received"],
            "件",
        ),
        ("响应率", f["response_rate"], "%"),
        ("解决率", f["resolution_rate"], "%"),
        ("满意率", f["satisfaction_rate"], "%"),
        ("综合得分", f["composite"], "分"),
        ("按期办结率", f["on_time_rate"], "%"),
        ("超期件数", f["overdue"], "件"),
    ]
    return [{"indicator": a, "value": b, "unit": c} for a, b, c in rows]


COMPARED = (
    ("受理量", "received", "count"),
    ("直接解答", "answered", "count"),
    ("派单办理", "dispatched", "count"),
    ("日均受理量", "daily_average", "count"),
    ("响应率（%）", "response_rate", "rate"),
    ("解决率（%）", "resolution_rate", "rate"),
    ("满意率（%）", "satisfaction_rate", "rate"),
    ("综合得分", "composite", "rate"),
    ("按期办结率（%）", "on_time_rate", "rate"),
    ("超期件数", "overdue", "count"),
)


def comparison_rows(current: dict, previous: dict | None) -> list[dict]:
    """Each figure beside the comparison period's; without comparison data every previous
    value is "无数据" and no change is computed (never a 0)."""
    out = []
    for label, key, kind in COMPARED:
        cur = current[key]
        if previous is None:
            unit = "%" if kind == "count" else ("分" if key == "composite" else "个百分点")
            out.append(
                {
                    "indicator": label,
                    "current": cur,
                    "previous": NO_DATA,
                    "change": None,
                    "change_unit": unit,
                }
            )
            continue
        prev = previous[key]
        if kind == "count":
            change, unit = change_pct(cur, prev) if cur is not None else None, "%"
        else:
            change, unit = points(cur, prev), "个百分点" if key != "composite" else "分"
        out.append(
            {
                "indicator": label,
                "current": cur,
                "previous": prev,
                "change": change,
                "change_unit": unit,
            }
        )
    return out
