"""``flask jobs ...``: the worker that delivers notifications, its state, and a demo step."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.jobs import worker
from hotline.jobs.queue import jobs_url, queue_for
from hotline.models.notifications import Delivery, OutboxEntry

jobs_cli = AppGroup("jobs", help="后台任务：通知的发送（Huey 任务队列）。")


@jobs_cli.command("worker")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Worker threads.")
@click.option("--burst", is_flag=True, help="Drain the queue and the outbox, then exit.")
def worker_command(workers: int | None, burst: bool) -> None:
    """Deliver notifications: relay the outbox into the queue and run its tasks."""
    app = current_app._get_current_object()  # noqa: SLF001
    if burst:
        stats = worker.burst(app)
        click.echo(
            f"outbox {stats.relayed_outbox}, deliveries {stats.relayed_deliveries}, "
            f"tasks run {stats.tasks}"
        )
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if db.engine.dialect.name == "sqlite":
        # The worker is a second process writing the embedded database: in WAL mode readers
        # and the one writer no longer wait for each other (the setting stays with the file).
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    store = jobs_url(app).split("://", 1)[0]
    click.echo(f"jobs worker: {store} queue {app.config['JOBS_QUEUE_NAME']!r}; Ctrl-C stops")
    worker.consumer(app, workers).run()


@jobs_cli.command("status")
def status_command() -> None:
    """How much work waits: queued tasks, outbox entries, deliveries by state."""
    app = current_app._get_current_object()  # noqa: SLF001
    click.echo(f"queued tasks: {queue_for(app).pending()}")
    waiting = db.session.scalar(
        select(func.count(OutboxEntry.id)).where(OutboxEntry.fanned_out_at.is_(None))
    )
    click.echo(f"outbox entries not fanned out: {waiting}")
    for state, count in db.session.execute(
        select(Delivery.state, func.count(Delivery.id)).group_by(Delivery.state)
    ):
        click.echo(f"deliveries {state.value}: {count}")


@jobs_cli.command("demo-step")
@click.option("--phone", default=None, help="Demo phone (default: CITIZEN_DEMO_PHONE).")
def demo_step_command(phone: str | None) -> None:
    """Move the demo phone's newest open order one step on, as staff would (development)."""
    from hotline.jobs import demo

    if current_app.config["HOTLINE_ENV"] == "production":
        raise click.ClickException("demo steps are for demo data, not for production")
    try:
        done = demo.next_step(phone or current_app.config["CITIZEN_DEMO_PHONE"])
    except demo.DemoUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(done)
