"""The job queue: one Huey instance per app, and its tasks.

Storage follows the two defaults: SQLite (``SqliteHuey``, a file under ``instance/``) on
the embedded run, Redis (``RedisHuey``, blocking pops) in production — ``JOBS_URL``, or,
left empty, the Redis of ``RATELIMIT_STORAGE_URI`` when there is one. Task arguments are
ids only: what a task needs is read from the database when it runs, so a task queued twice
or late does the right thing.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import delete

from hotline.extensions import db
from hotline.jobs import runner
from privacy.orm import utcnow

log = logging.getLogger("hotline.jobs")

FAN_OUT = "notifications.fan_out"
DELIVER = "notifications.deliver"
TASK_RETRIES, TASK_RETRY_DELAY = 3, 2


def jobs_url(app: Flask) -> str:
    cfg = app.config
    url = cfg["JOBS_URL"]
    if url:
        return url
    limits = cfg["RATELIMIT_STORAGE_URI"] or ""
    if limits.startswith(("redis://", "rediss://")):
        return limits
    return "sqlite:///" + os.path.join(app.instance_path, "jobs.db")


def _huey(app: Flask) -> Huey:
    url = jobs_url(app)
    name = app.config["JOBS_QUEUE_NAME"]
    if url.startswith(("redis://", "rediss://")):
        return RedisHuey(name, url=url, results=False, utc=True, blocking=True, read_timeout=1)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        return SqliteHuey(name, filename=path, results=False, utc=True, timeout=10)
    raise RuntimeError(f"JOBS_URL must be redis://… or sqlite:///…, not {url!r}")


class JobQueue:
    """The app's Huey instance with the notification tasks registered on it."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = _huey(app)
        # A task that fails (a database briefly unavailable) runs again; running twice is
        # harmless (see runner), and what is left over is the relay's after its lease.
        retry = {"retries": TASK_RETRIES, "retry_delay": TASK_RETRY_DELAY}
        self.fan_out = self.huey.task(name=FAN_OUT, **retry)(self._fan_out)
        self.deliver = self.huey.task(name=DELIVER, **retry)(self._deliver)
        self.huey.periodic_task(crontab(minute="17"), name="notifications.tidy")(self._tidy)

    def __repr__(self) -> str:
        return f"<JobQueue {type(self.huey).__name__} {self.huey.name}>"

    # -- the tasks (each in its own app context and transactions) -------------------------
    def _fan_out(self, outbox_id: int) -> None:
        """Fan out, then send the (usually one) new delivery right here: one queue hop less
        for every event. What fails here is on the queue a moment later."""
        with self.app.app_context():
            ids = runner.fan_out(outbox_id)
        for n, delivery_id in enumerate(ids):
            try:
                with self.app.app_context():
                    self.put_deliveries(runner.deliver(delivery_id))
            except Exception:
                log.exception("delivery %s failed in its fan-out; queued again", delivery_id)
                self.put_deliveries(ids[n:])
                return

    def _deliver(self, delivery_id: int) -> None:
        with self.app.app_context():
            self.put_deliveries(runner.deliver(delivery_id))

    def _tidy(self) -> None:
        """Hourly: forget binding tickets that expired a day ago."""
        from hotline.models.notifications import WeChatTicket

        with self.app.app_context():
            cutoff = utcnow() - timedelta(days=1)
            db.session.execute(delete(WeChatTicket).where(WeChatTicket.expires_at < cutoff))
            db.session.commit()

    # -- putting work on the queue --------------------------------------------------------
    def put_outbox(self, ids: list[int]) -> None:
        for outbox_id in ids:
            self.fan_out(outbox_id)

    def put_deliveries(self, ids: list[int]) -> None:
        for delivery_id in ids:
            self.deliver(delivery_id)

    def pending(self) -> int:
        return self.huey.pending_count()


def queue_for(app: Flask) -> JobQueue:
    built = app.extensions.get("jobs")
    if built is None:
        built = app.extensions["jobs"] = JobQueue(app)
    return built
