"""``flask citizen ...``: demo orders for the demo phone of the H5 page."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from hotline.extensions import db
from hotline.services.citizen import demo as citizen_demo
from privacy.masking import mask_phone

citizen_cli = AppGroup("citizen", help="市民端：演示手机号的演示工单。")


@citizen_cli.command("demo")
@click.option("--phone", default=None, help="Demo phone (default: CITIZEN_DEMO_PHONE).")
def demo_command(phone: str | None) -> None:
    """Create demo orders with full timelines for the demo phone (once)."""
    if current_app.config["HOTLINE_ENV"] == "production":
        raise click.ClickException("demo orders are not created in production")
    phone = phone or current_app.config["CITIZEN_DEMO_PHONE"]
    try:
        created = citizen_demo.create_demo_orders(phone)
    except citizen_demo.DemoUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    if created:
        click.echo(f"demo citizen {mask_phone(phone)}: {created} orders; log in on /m/")
    else:
        click.echo("the demo phone already has orders; nothing created")
