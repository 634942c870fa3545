"""``flask retention erase``: erase personal data of orders past the retention period."""

from __future__ import annotations

import click
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
    """Erase the personal fields of orders that ended more than N years ago, and the
    profiles of citizens not logged in since; statistics stay."""
    result = retention.erase_expired(
        db.session, years=years, batch_size=batch_size, dry_run=dry_run
    )
    verb = "would erase" if dry_run else "erased"
    cutoff = result.cutoff.date().isoformat()
    click.echo(f"{verb} personal data of {result.erased} orders ended before {cutoff}")
    click.echo(f"{verb} {result.profiles} citizen profiles not logged in since {cutoff}")
    click.echo(f"{verb} {result.login_rows} expired login codes and token revocations")
