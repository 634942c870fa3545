"""``flask retention erase``: erase personal data of orders past the retention period."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from hotline.extensions import db
from hotline.services import retention

retention_cli = AppGroup("retention", help="Erase personal data after the retention period.")


@retention_cli.command("erase")
@click.option(
    "--years",
    type=click.IntRange(min=1),
    default=None,
    help="Retention period in years (default: RETENTION_YEARS, 3).",
)
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--dry-run", is_flag=True, help="Only count the orders that would be erased.")
def erase_command(years: int | None, batch_size: int, dry_run: bool) -> None:
    """Erase the personal fields of orders closed more than N years ago; statistics stay."""
    result = retention.erase_expired(
        db.session, years=years, batch_size=batch_size, dry_run=dry_run
    )
    verb = "would erase" if dry_run else "erased"
    click.echo(
        f"{verb} personal data of {result.erased} orders closed before "
        f"{result.cutoff.date().isoformat()}"
    )


def register_retention_cli(app: Flask) -> None:
    app.cli.add_command(retention_cli)
