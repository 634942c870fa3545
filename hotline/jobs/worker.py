"""``flask jobs worker``: Huey's consumer, with the outbox relay in its scheduler loop.

Huey's scheduler thread wakes every second; ours also runs one relay pass on each wake
(``runner.relay_once``), so an event committed by the web app is on the queue within a
second and sent by one of the worker threads right after. Huey restarts a worker thread or
the scheduler that dies, and stops gracefully on SIGINT (SIGTERM stops at once; a task cut
short is picked up again by the relay after its lease).

``burst`` drains instead of serving: relay, run every queued task, and again, until a pass
finds nothing — for tests and for cron on machines without a resident worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask
from huey.consumer import Consumer, Scheduler

from hotline.jobs import runner
from hotline.jobs.queue import JobQueue, queue_for

log = logging.getLogger("hotline.jobs")

POLL_MAX_DELAY = 0.5  # longest a worker thread waits before looking at an empty queue again


class RelayingScheduler(Scheduler):
    app: Flask
    queue: JobQueue

    def loop(self, now=None):
        try:
            with self.app.app_context():
                runner.relay_once(self.queue)
        except Exception:
            self._logger.exception("outbox relay failed; trying again in a second")
        return super().loop(now)


class WorkerConsumer(Consumer):
    """A Huey consumer whose scheduler also relays the outbox."""

    def __init__(self, app: Flask, queue: JobQueue, **options):
        self._app, self._queue = app, queue
        super().__init__(queue.huey, **options)

    def _create_scheduler(self):
        scheduler = RelayingScheduler(
            huey=self.huey,
            stop_flag=self.stop_flag,
            interval=self.scheduler_interval,
            periodic=self.periodic,
        )
        scheduler.app, scheduler.queue = self._app, self._queue
        return scheduler


def consumer(app: Flask, workers: int | None = None) -> WorkerConsumer:
    queue = queue_for(app)
    return WorkerConsumer(
        app,
        queue,
        workers=workers or app.config["JOBS_WORKERS"],
        worker_type="thread",
        periodic=True,
        scheduler_interval=1,
        initial_delay=0.05,
        backoff=1.5,
        max_delay=POLL_MAX_DELAY,
        check_worker_health=True,
    )


@dataclass
class BurstStats:
    relayed_outbox: int = 0
    relayed_deliveries: int = 0
    tasks: int = 0


def burst(app: Flask, *, max_passes: int = 1000) -> BurstStats:
    """Relay and run tasks until nothing is left (or ``max_passes``)."""
    queue = queue_for(app)
    huey = queue.huey
    stats = BurstStats()
    for _ in range(max_passes):
        with app.app_context():
            outbox, deliveries = runner.relay_once(queue)
        stats.relayed_outbox += outbox
        stats.relayed_deliveries += deliveries
        for task in huey.read_schedule(huey._get_timestamp()):  # noqa: SLF001  (retries due)
            huey.enqueue(task)
        ran = 0
        while (task := huey.dequeue()) is not None:
            ran += 1
            huey.execute(task)  # Huey logs a failing task; its retries are queued again
        stats.tasks += ran
        if not (outbox or deliveries or ran):
            break
    return stats
