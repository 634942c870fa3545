"""``flask hotline ...``: reference data, staff accounts and synthetic data."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.enums import Role
from hotline.models.orders import Order
from hotline.models.units import StaffUser, Unit
from hotline.services import reference, staff
from hotline.synth.history import DEMO_DISTRICTS, GROWTH, PER_STREET_MONTH, THIN_SHARE

hotline_cli = AppGroup("hotline", help="阳光办理: reference data, staff and demo data.")

# Shared by the demo accounts only; `seed --no-demo-staff` in production.
DEMO_PASSWORD = "demo-password-12345"  # noqa: S105
DEMO_ORDERS = 10_000  # `demo` without --years: a year of orders in every district


@hotline_cli.command("seed")
@click.option(
    "--demo-staff/--no-demo-staff",
    default=None,
    help="Create demo staff accounts (default: yes unless in production).",
)
def seed_command(demo_staff: bool | None) -> None:
    """Load places, categories and units from the shipped data files (idempotent)."""
    added = reference.load_places()
    click.echo(f"places: {added} rows added")
    click.echo(f"categories: {reference.load_categories()} rows added")
    click.echo(f"units: {reference.load_units()} rows added")
    if demo_staff is None:
        demo_staff = current_app.config["HOTLINE_ENV"] != "production"
    if demo_staff:
        from hotline.synth.staff import create_demo_staff

        created = create_demo_staff(DEMO_PASSWORD)
        if created:
            click.echo(f"demo staff: {created} accounts, password {DEMO_PASSWORD!r}")
    db.session.commit()


@hotline_cli.command("create-staff")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", "display_name", required=True)
@click.option("--staff-no", required=True)
@click.option("--unit-code", default=None, help="Code of the unit (handlers only).")
@click.password_option()
def create_staff_command(username, role, display_name, staff_no, unit_code, password) -> None:
    """Create one staff account."""
    unit = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise click.BadParameter(f"no unit with code {unit_code}")
    staff.create_staff(
        username=username,
        password=password,
        role=Role(role),
        display_name=display_name,
        staff_no=staff_no,
        unit=unit,
    )
    db.session.commit()
    click.echo(f"created {role} {username}")


@hotline_cli.command("demo")
@click.option(
    "--orders",
    default=None,
    type=click.IntRange(min=1),
    help="How many orders (default: 10,000; with --years, enough for the streets to rank).",
)
@click.option(
    "--years",
    default=None,
    type=click.IntRange(0, 20),
    help="A history: this many full years before the current one, and this year so far.",
)
@click.option(
    "--districts",
    default=",".join(DEMO_DISTRICTS),
    show_default=True,
    help="With --years: codes of the districts at full volume, or 'all' for every district.",
)
@click.option(
    "--per-street",
    default=PER_STREET_MONTH,
    show_default=True,
    type=click.FloatRange(min=1),
    help="With --years: orders a month in each full-volume street, first year on average.",
)
@click.option(
    "--thin",
    default=THIN_SHARE,
    show_default=True,
    type=click.FloatRange(0, 0.9),
    help="With --years: share of orders in the other districts.",
)
@click.option(
    "--growth",
    default=GROWTH,
    show_default=True,
    type=click.FloatRange(-0.5, 1),
    help="With --years: growth a year (0.10 is +10 %).",
)
@click.option("--surges/--no-surges", default=True, help="With --years: plant weekly surges.")
@click.option(
    "--year", default=None, type=int, help="Year of the orders (default: last 12 months)."
)
@click.option("--seed", default=12345, show_default=True, help="Random seed.")
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--if-empty", is_flag=True, help="Do nothing if orders already exist.")
@click.option("--progress/--no-progress", default=True)
def demo_command(
    orders: int | None,
    years: int | None,
    districts: str,
    per_street: float,
    thin: float,
    growth: float,
    surges: bool,
    year: int | None,
    seed: int,
    workers: int | None,
    if_empty: bool,
    progress: bool,
) -> None:
    """Generate realistic synthetic orders with full timelines: a year of them, or with
    --years a history concentrated in a few districts, growing, with planted surges."""
    from hotline.reports import rollups
    from hotline.synth.generate import generate_orders
    from hotline.synth.history import PLANTED_SURGES, History

    if if_empty and db.session.scalar(select(func.count(Order.id))):
        click.echo("orders already exist; nothing generated")
        return
    if not db.session.scalar(select(func.count(StaffUser.id))):
        raise click.ClickException("run `flask hotline seed` first")
    profile = None
    if years is not None:
        if year is not None:
            raise click.UsageError("--year and --years do not go together")
        codes = (
            ()
            if districts.strip() == "all"
            else tuple(c.strip() for c in districts.split(",") if c.strip())
        )
        profile = History(
            years=years,
            districts=codes,
            per_street_month=per_street,
            thin_share=thin if codes else 0.0,
            growth=growth,
            surges=PLANTED_SURGES if surges else (),
        )
        if not codes and orders is None:
            raise click.UsageError("--districts all needs --orders")
    try:
        stats = generate_orders(
            orders if profile is not None or orders is not None else DEMO_ORDERS,
            seed=seed,
            year=year,
            progress=progress,
            workers=workers,
            history_profile=profile,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(stats.summary())
    rebuilt = rollups.rebuild(db.session)  # the bulk load bypassed the rollups' session hook
    db.session.commit()
    click.echo(rebuilt.summary())


@hotline_cli.command("demo-reads")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 90))
@click.option("--per-day", default=60, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--if-empty", is_flag=True, help="Do nothing if the access log has entries.")
def demo_reads_command(days: int, per_day: int, if_empty: bool) -> None:
    """Record a week of staff reads of demo orders in the access log (with a few the
    privacy console flags), as the staff API would."""
    from hotline.synth.reads import record_demo_reads
    from privacy.models import AccessLogEntry

    if current_app.config["HOTLINE_ENV"] == "production":
        raise click.ClickException("demo reads are for demo data, not for production")
    if if_empty and db.session.scalar(select(func.count()).select_from(AccessLogEntry)):
        click.echo("the access log has entries; nothing recorded")
        return
    click.echo(f"access log: {record_demo_reads(days, per_day)} demo reads recorded")


@hotline_cli.command("config-table")
@click.option("--write", is_flag=True, help="Rewrite the table in README.md in place.")
def config_table_command(write: bool) -> None:
    """Print (or write into README.md) the configuration table, from hotline.config."""
    from hotline.config import markdown_table, write_readme_table

    if write:
        write_readme_table()
        click.echo("README.md: configuration table rewritten")
    else:
        click.echo(markdown_table())


def init_app(app: Flask) -> None:
    from hotline import jobs
    from hotline.cli_retention import retention_cli
    from hotline.reports import rollups

    app.cli.add_command(hotline_cli)
    app.cli.add_command(retention_cli)
    rollups.init_app(app)  # `flask reports …` and the hook keeping the rollups current
    jobs.init_app(app)  # `flask jobs …` and the notification outbox hook
