"""The privacy office console (隐私保护控制台) under ``/privacy/console``.

A server-rendered blueprint for privacy officers: login with password and TOTP, access-log
search and CSV export, anomalies, chain verification, and reveal with a stated purpose.
It is the one part of ``privacy`` that sits on top of the domain (staff accounts, orders,
assignments via ``hotline.models`` and ``hotline.extensions.db``); the rest of ``privacy``
still imports nothing from the domain packages.
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask

bp = Blueprint("console", __name__, url_prefix="/privacy/console")

DEFAULTS = {
    "CONSOLE_IDLE_MINUTES": 15,
    "CONSOLE_MAX_FAILURES": 5,  # per username and client address
    "CONSOLE_MAX_FAILURES_TOTAL": 50,  # per username, all addresses together
    "CONSOLE_LOCKOUT_MINUTES": 15,
    "CONSOLE_ANOMALY_READS_PER_HOUR": 30,
    "CONSOLE_ANOMALY_READS_PER_DAY": 200,
    "CONSOLE_ANOMALY_DAYS": 7,
    "CONSOLE_WORK_HOURS": (8, 19),  # Beijing time, [start, end)
}


def init_app(app: Flask) -> None:
    """Register the blueprint, its tables and ``flask privacy console ...``."""
    import privacy.console.models  # noqa: F401  (tables join Base.metadata)
    from privacy.cli import privacy_cli
    from privacy.console import views  # noqa: F401  (routes attach to bp)
    from privacy.console.cli import console_cli

    for name, default in DEFAULTS.items():
        raw = os.environ.get(name)
        if raw and isinstance(default, int):
            default = int(raw)
        app.config.setdefault(name, default)
    app.register_blueprint(bp)
    if "console" not in privacy_cli.commands:
        privacy_cli.add_command(console_cli)
