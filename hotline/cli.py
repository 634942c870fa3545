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

hotline_cli = AppGroup("hotline", help="阳光办理: reference data, staff and demo data.")

# Shared by the demo accounts only; `seed --no-demo-staff` in production.
DEMO_PASSWORD = "demo-password-12345"  # noqa: S105


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
@click.option("--orders", default=10_000, show_default=True, help="How many orders.")
@click.option(
    "--year", default=None, type=int, help="Year of the orders (default: last 12 months)."
)
@click.option("--seed", default=12345, show_default=True, help="Random seed.")
@click.option("--if-empty", is_flag=True, help="Do nothing if orders already exist.")
@click.option("--progress/--no-progress", default=True)
def demo_command(orders: int, year: int | None, seed: int, if_empty: bool, progress: bool) -> None:
    """Generate a year of realistic synthetic orders with full timelines."""
    from hotline.synth.generate import generate_orders

    if if_empty and db.session.scalar(select(func.count(Order.id))):
        click.echo("orders already exist; nothing generated")
        return
    if not db.session.scalar(select(func.count(StaffUser.id))):
        raise click.ClickException("run `flask hotline seed` first")
    stats = generate_orders(orders, seed=seed, year=year, progress=progress)
    click.echo(stats.summary())


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
    from hotline.cli_retention import retention_cli

    app.cli.add_command(hotline_cli)
    app.cli.add_command(retention_cli)
