"""``flask reports …``: rebuild the statistics rollups, and verify them against the orders."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hotline.extensions import db
from hotline.reports.periods import BadPeriod, Period

reports_cli = AppGroup("reports", help="Statistics rollups: verify against the orders, rebuild.")


@reports_cli.command("verify-rollups")
@click.argument("period", required=False)
@click.option(
    "--limit", default=200, show_default=True, type=click.IntRange(1), help="Differences shown."
)
@click.option("--verbose", is_flag=True, help="Also list what was compared.")
def verify_command(period: str | None, limit: int, verbose: bool) -> None:
    """Recompute every figure of PERIOD (YYYY, YYYY-MM or YYYY-Www; default: every year
    with orders) from the orders, list each difference from the rollups, and exit with
    status 1 if there is any."""
    from hotline.reports.rollups.verify import verify

    periods = None
    if period is not None:
        try:
            periods = [Period.parse(period)]
        except BadPeriod:
            raise click.BadParameter(
                f"{period!r}: a period is YYYY, YYYY-MM or YYYY-Www", param_hint="PERIOD"
            ) from None
    result = verify(db.session, periods)
    db.session.rollback()
    if verbose:
        for line in result.checked:
            click.echo(f"checked {line}")
    for difference in result.differences[:limit]:
        click.echo(str(difference))
    hidden = len(result.differences) - limit
    if hidden > 0:
        click.echo(f"… and {hidden} more")
    if result.ok:
        click.echo(f"rollups match the orders ({len(result.checked)} comparisons)")
        return
    click.echo(f"{len(result.differences)} differences between the rollups and the orders")
    raise click.exceptions.Exit(1)


@reports_cli.command("rebuild-rollups")
def rebuild_command() -> None:
    """Recompute every order's contribution and every rollup table from the orders (after
    a bulk load, or a change of RESPONSE_WINDOW_HOURS), in one transaction."""
    from hotline.reports.rollups.rebuild import rebuild

    stats = rebuild(db.session)
    db.session.commit()
    click.echo(stats.summary())
