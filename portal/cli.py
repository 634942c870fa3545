"""``flask portal ...``: build, publish and correct report editions from the command line."""

from __future__ import annotations

from datetime import date

import click
from sqlalchemy import select

from hotline.errors import ApiError
from hotline.extensions import db
from hotline.models.reports import EditionStatus, MonthlyTopic, Report, TopicStatus
from hotline.reports import editions, topics
from hotline.reports.periods import BadPeriod, Period, local_today
from portal import bp
from privacy.orm import utcnow

DEMO_TOPICS = (
    (1, "老旧小区加装电梯", "市住房城乡建设委", TopicStatus.IN_PROGRESS),
    (2, "物业服务管理", "市住房城乡建设委", TopicStatus.IN_PROGRESS),
    (3, "停车难", "市交通委", TopicStatus.ONGOING),
    (4, "供暖保障", "市城市管理委", TopicStatus.COMPLETED),
)


def _period(year: int, month: int | None) -> Period:
    try:
        return Period.of(year, month)
    except BadPeriod:
        raise click.BadParameter("年份应为四位数，月份为 1–12") from None


def _fail(exc: ApiError):
    db.session.rollback()
    raise click.ClickException(exc.message)


year_option = click.option("--year", type=int, required=True, help="Report year.")
month_option = click.option("--month", type=int, default=None, help="Month, for a 月通报.")


@bp.cli.command("build")
@year_option
@month_option
def build_command(year: int, month: int | None) -> None:
    """Build (or rebuild) the draft of a yearly or monthly report from the orders."""
    try:
        draft = editions.build_draft(_period(year, month))
    except ApiError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"draft {draft.id} of {draft.report.period}: sha256 {draft.sha256}")


@bp.cli.command("publish")
@year_option
@month_option
@click.option("--erratum", default=None, help="Required for a correction of a published one.")
@click.option("--rebuild/--no-rebuild", default=True, help="Build the draft again first.")
def publish_command(year: int, month: int | None, erratum: str | None, rebuild: bool) -> None:
    """Publish the report's draft (a correction when an edition is already published)."""
    period = _period(year, month)
    try:
        edition = _publish(period, erratum, rebuild)
    except ApiError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"published {period.key} v{edition.version}: sha256 {edition.sha256}")
    click.echo(f"permanent URL path: {_path(period, edition.version)}")


def _publish(period: Period, erratum: str | None, rebuild: bool):
    report = db.session.scalar(
        select(Report).where(Report.kind == period.kind, Report.period == period.key)
    )
    latest = editions.latest_published(report.id) if report else None
    draft = None
    if report is not None and not rebuild:
        draft = next((e for e in report.editions if e.status == EditionStatus.DRAFT), None)
    if draft is None:
        if latest is not None:
            if not erratum:
                raise ApiError("已有发布版本：更正须用 --erratum 写明勘误说明")
            draft = editions.start_correction(latest, erratum)
        else:
            draft = editions.build_draft(period)
    return editions.publish(draft, erratum=erratum)


def _path(period: Period, version: int) -> str:
    return f"/reports/{period.key}/v{version}"  # no request here to build it from


@bp.cli.command("demo")
@click.option("--topics/--no-topics", "with_topics", default=True, help="Add demo 每月一题.")
def demo_command(with_topics: bool) -> None:
    """Publish this year's report so far and last month's 月通报, unless already published."""
    today = local_today(utcnow())
    last_month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    if with_topics:
        _demo_topics(today.year)
        if last_month.year != today.year:
            _demo_topics(last_month.year)
    for period in (Period.of(today.year), Period.of(last_month.year, last_month.month)):
        report = db.session.scalar(
            select(Report).where(Report.kind == period.kind, Report.period == period.key)
        )
        if report is not None and editions.latest_published(report.id) is not None:
            click.echo(f"{period.key}: already published")
            continue
        if not period.is_started(utcnow()):
            click.echo(f"{period.key}: nothing to report yet")
            continue
        edition = editions.publish(editions.build_draft(period))
        click.echo(f"{period.key}: published v{edition.version} {_path(period, edition.version)}")
    db.session.commit()


def _demo_topics(year: int) -> None:
    if db.session.scalar(select(MonthlyTopic.id).where(MonthlyTopic.year == year).limit(1)):
        return
    for month, title, lead, status in DEMO_TOPICS:
        topics.create_topic(
            year=year,
            month=month,
            title=title,
            lead_department=lead,
            status=status,
            summary=f"{title}问题由{lead}牵头，各区落实，按“一方案三清单”推进。",
        )
