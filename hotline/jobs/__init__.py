"""Background work on Huey (DESIGN §7): the job queue, its tasks and ``flask jobs``.

``init_app`` registers the command group and installs the notification outbox hook, so that
every process built by ``create_app`` — web, worker, CLI — writes an outbox entry with each
event a citizen should hear about.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from hotline.jobs.cli import jobs_cli
    from hotline.services.notifications import outbox

    outbox.install()
    app.cli.add_command(jobs_cli)
