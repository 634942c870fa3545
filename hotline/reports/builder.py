"""Build a report's snapshot: run the report queries (on the rollups), arrange the rows.

The snapshot is plain JSON-ready data: the report's identity and period, the rules it was
computed with, the key figures and every table (with its column definitions). Counts below
district level are suppressed here, before anything is stored, so no edition ever holds a
small cell.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.reports import TOPIC_STATUS_LABELS, MonthlyTopic, ReportKind
from hotline.reports import sections
from hotline.reports.periods import BadPeriod, Period
from hotline.reports.rollups.queries import RollupQueries
from hotline.reports.settings import ReportSettings
from hotline.services.deadlines import to_local
from privacy.orm import utcnow

SCHEMA = "yangguang-report/1"


def title_of(period: Period) -> str:
    if period.kind == ReportKind.YEAR:
        return f"北京市12345市民服务热线{period.year}年度接诉即办工作报告"
    if period.kind == ReportKind.WEEK:
        return f"北京市12345市民服务热线{period.label}接诉即办周分析"
    return f"北京市12345市民服务热线{period.year}年{period.month}月接诉即办工作通报"


def tune_session(dialect: str) -> None:
    """Apply ``REPORT_PG_SETTINGS`` to the current transaction only."""
    if dialect != "postgresql":
        return
    for name, value in current_app.config["REPORT_PG_SETTINGS"].items():
        db.session.execute(select(func.set_config(name, str(value), True)))


def run_queries(period: Period, now: datetime, settings: ReportSettings) -> tuple[dict, dict]:
    """Execute every query of the report; returns (rows by query name, span info)."""
    covered = period.covered(now)
    if covered.days == 0:
        raise BadPeriod(f"{period.key} 尚未开始，无法生成报告")
    compare_label, compare_key, compare = period.comparison(covered)
    ranking = period.ranking_span(covered)
    dialect = db.session.get_bind().dialect.name
    tune_session(dialect)
    queries = RollupQueries(settings, dialect, as_of=now)  # from the rollups, not the orders
    connection = db.session.connection()
    queries.setup(connection, [covered, compare, ranking])
    statements = queries.statements(
        covered, compare, ranking, yearly=period.kind == ReportKind.YEAR
    )
    rows = {name: connection.execute(stmt).all() for name, stmt in statements.items()}
    queries.teardown(connection)
    spans = {
        "covered": covered,
        "compare": compare,
        "compare_label": compare_label,
        "compare_key": compare_key,
    }
    return rows, spans


def topics_for(period: Period) -> list[dict]:
    query = select(MonthlyTopic).where(MonthlyTopic.year == period.year)
    if period.month is not None:
        query = query.where(MonthlyTopic.month == period.month)
    topics = db.session.scalars(query.order_by(MonthlyTopic.month, MonthlyTopic.id))
    return [
        {
            "month": f"{t.year:04d}-{t.month:02d}",
            "title": t.title,
            "lead_department": t.lead_department,
            "status": TOPIC_STATUS_LABELS[t.status],
            "summary": t.summary,
        }
        for t in topics
    ]


def build_snapshot(period: Period, now: datetime | None = None) -> dict:
    now = now or utcnow()
    if period.kind == ReportKind.WEEK:
        from hotline.reports.weekly import build_weekly_snapshot

        return build_weekly_snapshot(period, now)
    settings = ReportSettings.current()
    rows, spans = run_queries(period, now, settings)
    covered = spans["covered"]
    complete = covered.end >= period.full.end
    report = {
        "kind": period.kind.value,
        "period": period.key,
        "label": period.label,
        "title": title_of(period),
        **covered.as_dict(),
        "complete": complete,
        "as_of": to_local(now).isoformat(timespec="seconds"),
        "compare": {
            "label": spans["compare_label"],
            "period": spans["compare_key"],
            **spans["compare"].as_dict(),
        },
    }
    tables, summary, state = sections.make_tables(period, settings, rows, covered, spans["compare"])
    report["compare"].update(state)
    tables["topics"] = sections.topics_table(topics_for(period))
    return {
        "schema": SCHEMA,
        "report": report,
        "rules": settings.snapshot(),
        "summary": summary,
        "tables": tables,
        "dictionary": sections.conventions(),
    }
