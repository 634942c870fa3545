"""Front door: the privacy office console (隐私保护控制台) under ``/privacy/console`` — for
privacy officers: sign in with password and TOTP, search and export the access log, see
unusual reads, verify the chain, reveal an order's personal data with a stated purpose.
Its rules live in ``hotline.services.privacy_office``; this package is pages and forms."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("console", __name__, url_prefix="/privacy/console")


def init_app(app: Flask) -> None:
    """Register the blueprint and ``flask privacy console ...``."""
    from console import views, views_erasure  # noqa: F401  (routes attach to bp)
    from console.cli import console_cli
    from privacy.cli import privacy_cli

    app.register_blueprint(bp)
    if "console" not in privacy_cli.commands:
        privacy_cli.add_command(console_cli)
