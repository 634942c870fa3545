"""``flask portal build / publish / demo``, and the migration matching the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.reports import EditionStatus, MonthlyTopic, ReportEdition
from hotline.reports.periods import local_today
from privacy.orm import Base, utcnow

REPORT_TABLES = {"reports", "report_editions", "monthly_topics"}


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


def test_demo_publishes_this_year_and_last_month_once(runner, world):
    result = runner.invoke(args=["portal", "demo"])
    assert result.exit_code == 0, result.output
    today = local_today(utcnow())
    published = db.session.execute(select(ReportEdition.version)).all()
    # January has no finished day of the year yet; otherwise both editions are there.
    assert len(published) == (1 if (today.month, today.day) == (1, 1) else 2)
    assert str(today.year) in result.output
    assert db.session.scalar(select(MonthlyTopic.id).limit(1)) is not None

    again = runner.invoke(args=["portal", "demo"])
    assert again.exit_code == 0
    assert "already published" in again.output
    assert len(db.session.execute(select(ReportEdition.version)).all()) == len(published)


def test_migration_0003_matches_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = compare_metadata(context, Base.metadata)

    def touches_reports(diff) -> bool:
        text = repr(diff)
        return "ix_orders_report" in text or any(f"'{t}'" in text for t in REPORT_TABLES)

    assert [d for d in diffs if touches_reports(d)] == []
