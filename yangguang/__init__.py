"""The composition root: ``create_app`` wires configuration, extensions, the request
pipeline, the command-line groups and the four front doors into one Flask application.

Nothing else imports this package except ``wsgi.py``, the tests and the benchmarks: the
domain (``hotline``) and the privacy library (``privacy``) never see a front door.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hotline import config as settings
from hotline import dbpool
from hotline.extensions import db, limiter, migrate

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class App(Flask):
    """Flask, telling the request pipeline about every exception a view raises (an error
    may declare that the changes made before it stand: ``hotline.web.pipeline``)."""

    def handle_user_exception(self, e):
        from hotline.web.pipeline import note_exception

        note_exception(e)
        return super().handle_user_exception(e)


MIGRATIONS_DIR = PROJECT_ROOT / "hotline" / "migrations"


def create_app(config: dict | None = None) -> Flask:
    overrides = dict(config or {})
    instance_path = (
        overrides.pop("INSTANCE_PATH", None)
        or os.environ.get("HOTLINE_INSTANCE_PATH")
        or str(PROJECT_ROOT / "instance")
    )
    app = App(
        "hotline",
        instance_path=instance_path,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(settings.load(app.instance_path, overrides=overrides))
    _secret_key(app)
    app.json.ensure_ascii = False  # Chinese stays readable in JSON answers

    from privacy import runtime as privacy_runtime

    privacy_runtime.init_app(app)
    _limiter_storage(app)
    db.init_app(app)
    with app.app_context():
        dbpool.install(db.engine, app.config["DATABASE_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    limiter.init_app(app)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    import hotline.models  # noqa: F401  (register every table)
    from hotline import cli, web

    web.init_app(app)
    cli.init_app(app)
    _front_doors(app)
    from yangguang import demo

    demo.init_app(app)  # `flask demo-data`: what `make run` loads
    return app


def _front_doors(app: Flask) -> None:
    import console
    import miniapp_api
    import portal
    import workbench

    workbench.init_app(app)  # the staff API under /staff/api/v1
    portal.init_app(app)  # public reports under /reports/
    miniapp_api.init_app(app)  # the citizen API under /api/v1 and the H5 page under /m/
    console.init_app(app)  # the privacy office console under /privacy/console/


def _limiter_storage(app: Flask) -> None:
    """Short timeouts on the rate limits' Redis: a hung server (not only a dead one) must
    cost a request tens of milliseconds before flask-limiter's in-memory fallback takes
    over, not seconds."""
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        timeout = app.config["REDIS_TIMEOUT_SECONDS"]
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }


def _secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config["HOTLINE_ENV"] == "production":
        raise RuntimeError("production mode needs SECRET_KEY set in the environment")
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    app.config["SECRET_KEY"] = path.read_text().strip()
