"""阳光办理: the application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hotline import config as config_module
from hotline.errors import register_error_handlers
from hotline.extensions import db, limiter, migrate

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(config: dict | None = None) -> Flask:
    instance_path = (
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("HOTLINE_INSTANCE_PATH")
        or str(PROJECT_ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config_module.DEFAULTS)
    app.config.update(config_module.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    _secret_key(app)

    from privacy import runtime as privacy_runtime

    privacy_runtime.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    limiter.init_app(app)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    import hotline.models  # noqa: F401  (register every table)
    from hotline import web
    from hotline.cli import register_cli
    from hotline.cli_retention import register_retention_cli

    web.init_app(app)
    register_error_handlers(app)
    register_cli(app)
    register_retention_cli(app)

    from workbench import bp as workbench_bp

    app.register_blueprint(workbench_bp)
    from portal import bp as portal_bp

    app.register_blueprint(portal_bp)  # public reports under /reports/
    from miniapp_api import register as register_miniapp

    register_miniapp(app)  # the citizen API under /api/v1 and the H5 page under /m/
    from privacy.console import init_app as init_console

    init_console(app)  # the privacy office console under /privacy/console/
    return app


def _secret_key(app: Flask) -> None:
    production = app.config["HOTLINE_ENV"] == "production"
    if app.config.get("SECRET_KEY"):
        return
    if production:
        raise RuntimeError("production mode needs SECRET_KEY set in the environment")
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    app.config["SECRET_KEY"] = path.read_text().strip()
