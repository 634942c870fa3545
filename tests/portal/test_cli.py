"""``flask portal build / publish / demo``, and the migration matching the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.reports import EditionStatus, MonthlyTopic, Report, ReportEdition
from hotline.reports.periods import local_today
from privacy.orm import Base, utcnow

REPORT_TABLES = {"reports", "report_editions", "monthly_topics", "report_draft_access"}


def editions():
    return db.session.execute(
        select(ReportEdition.version, ReportEdition.status).order_by(ReportEdition.id)
    ).all()


def test_build_then_publish_then_correct(runner, reports_world):
    result = runner.invoke(args=["portal", "build", "--year", "2025", "--month", "6"])
    assert result.exit_code == 0, result.output
    assert "draft" in result.output
    assert editions() == [(None, EditionStatus.DRAFT)]

    result = runner.invoke(args=["portal", "publish", "--year", "2025", "--month", "6"])
    assert result.exit_code == 0, result.output
    assert "/reports/2025-06/v1" in result.output

    result = runner.invoke(args=["portal", "publish", "--year", "2025", "--month", "6"])
    assert result.exit_code != 0
    assert "--erratum" in result.output

    result = runner.invoke(
        args=["portal", "publish", "--year", "2025", "--month", "6", "--erratum", "补充数据"]
    )
    assert result.exit_code == 0, result.output
    assert editions() == [(1, EditionStatus.PUBLISHED), (2, EditionStatus.PUBLISHED)]

    result = runner.invoke(args=["portal", "build", "--year", "2025", "--month", "13"])
    assert result.exit_code != 0


def test_demo_publishes_the_history_once(runner, reports_world):
    """Every full year with orders (2024, 2025), the months of the last twelve that have
    orders, and the weeks among the last four that have some — each once."""
    result = runner.invoke(args=["portal", "demo"])
    assert result.exit_code == 0, result.output
    today = local_today(utcnow())
    published = db.session.execute(
        select(Report.period, ReportEdition.version, ReportEdition.on_time)
        .join(Report, Report.id == ReportEdition.report_id)
        .order_by(Report.period)
    ).all()
    periods = [p for p, _, _ in published]
    assert {"2024", "2025"} <= set(periods)
    last_year = {f"{today.year - 1}-{m:02d}" for m in range(today.month, 13)}
    assert {p for p in periods if len(p) == 7} == {p for p in last_year if p <= "2025-12"}
    assert all(version == 1 for _, version, _ in published)
    # Published as of their release dates: on time (the demo history came out on schedule).
    assert all(on_time for period, _, on_time in published if period in ("2024", "2025"))
    assert db.session.scalar(select(MonthlyTopic.id).limit(1)) is not None

    again = runner.invoke(args=["portal", "demo"])
    assert again.exit_code == 0
    assert "already published" in again.output
    assert len(db.session.execute(select(ReportEdition.version)).all()) == len(published)


def test_demo_without_orders_publishes_nothing(runner, world):
    result = runner.invoke(args=["portal", "demo"])
    assert result.exit_code == 0
    assert "nothing to publish" in result.output


def test_build_and_publish_a_week(runner, reports_world):
    result = runner.invoke(args=["portal", "publish", "--year", "2025", "--week", "23"])
    assert result.exit_code == 0, result.output
    assert "/reports/2025-W23/v1" in result.output
    bad = runner.invoke(args=["portal", "build", "--year", "2025", "--week", "54"])
    assert bad.exit_code != 0


def test_migrations_0003_and_0010_match_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = compare_metadata(context, Base.metadata)

    def touches_reports(diff) -> bool:
        text = repr(diff)
        return "ix_orders_report" in text or any(f"'{t}'" in text for t in REPORT_TABLES)

    assert [d for d in diffs if touches_reports(d)] == []
