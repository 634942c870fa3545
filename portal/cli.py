"""``flask portal ...``: build, publish and correct report editions from the command line."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import current_app
from sqlalchemy import func, select

from hotline.errors import ApiError
from hotline.extensions import db
from hotline.models.orders import Order
from hotline.models.reports import EditionStatus, MonthlyTopic, Report, TopicStatus
from hotline.reports import editions, schedule, topics
from hotline.reports.periods import BadPeriod, Period, local_midnight_utc, local_today
from hotline.services.deadlines import to_local
from portal import bp
from privacy.orm import utcnow

DEMO_TOPICS = (
    (1, "老旧小区加装电梯", "市住房城乡建设委", TopicStatus.IN_PROGRESS),
    (2, "物业服务管理", "市住房城乡建设委", TopicStatus.IN_PROGRESS),
    (3, "停车难", "市交通委", TopicStatus.ONGOING),
    (4, "供暖保障", "市城市管理委", TopicStatus.COMPLETED),
)


def _period(year: int, month: int | None, week: int | None = None) -> Period:
    try:
        if week is not None:
            if month is not None:
                raise BadPeriod("month and week")  # noqa: TRY301
            return Period.of_week(year, week)
        return Period.of(year, month)
    except BadPeriod:
        raise click.BadParameter("年份应为四位数，月份为 1–12，周为 1–53（ISO 周）") from None


def _fail(exc: ApiError):
    db.session.rollback()
    raise click.ClickException(exc.message)


year_option = click.option("--year", type=int, required=True, help="Report year.")
month_option = click.option("--month", type=int, default=None, help="Month, for a 月通报.")
week_option = click.option(
    "--week", type=int, default=None, help="ISO week (year = ISO year), for a 周分析."
)


@bp.cli.command("build")
@year_option
@month_option
@week_option
def build_command(year: int, month: int | None, week: int | None) -> None:
    """Build (or rebuild) the draft of a yearly, monthly or weekly report from the orders."""
    try:
        draft = editions.build_draft(_period(year, month, week))
    except ApiError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"draft {draft.id} of {draft.report.period}: sha256 {draft.sha256}")


@bp.cli.command("publish")
@year_option
@month_option
@week_option
@click.option("--erratum", default=None, help="Required for a correction of a published one.")
@click.option("--rebuild/--no-rebuild", default=True, help="Build the draft again first.")
def publish_command(
    year: int, month: int | None, week: int | None, erratum: str | None, rebuild: bool
) -> None:
    """Publish the report's draft (a correction when an edition is already published)."""
    period = _period(year, month, week)
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
@click.option("--weeks", default=4, show_default=True, type=click.IntRange(0, 26))
def demo_command(with_topics: bool, weeks: int) -> None:
    """Publish the demo history: the yearly report of every full year that has orders, the
    月通报 of the last 12 months and the 周分析 of the last few weeks — each unless already
    published. A period whose release date has passed is built and published as of that
    date (10:00 Beijing time), as if it had come out on schedule."""
    now = utcnow()
    first = db.session.scalar(select(func.min(Order.received_at)))
    if first is None:
        click.echo("no orders: nothing to publish")
        return
    today = local_today(now)
    first_year = to_local(first).year  # every full year from the first order's on
    periods = [Period.of(y) for y in range(first_year, today.year)]
    month = date(today.year, today.month, 1)
    for _ in range(12):
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        periods.append(Period.of(month.year, month.month))
    monday = today - timedelta(days=today.weekday())
    periods += [Period.week_of(monday - timedelta(days=7 * i)) for i in range(weeks, 0, -1)]
    if with_topics:
        for year in sorted({p.year for p in periods} | {today.year}):
            _demo_topics(year)
    rules = current_app.config["REPORT_SCHEDULE"]
    for period in sorted(periods, key=lambda p: (p.full.end, p.kind.value)):
        span = period.full
        has_orders = db.session.scalar(
            select(Order.id)
            .where(Order.received_at >= span.start_utc, Order.received_at < span.end_utc)
            .limit(1)
        )
        if has_orders is None:
            continue  # nothing to report for that period
        report = db.session.scalar(
            select(Report).where(Report.kind == period.kind, Report.period == period.key)
        )
        if report is not None and editions.latest_published(report.id) is not None:
            click.echo(f"{period.key}: already published")
            continue
        due = schedule.due_date(period, rules)
        at = min(now, local_midnight_utc(due) + timedelta(hours=10))
        edition = editions.publish(editions.build_draft(period, now=at), now=at)
        db.session.commit()
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
