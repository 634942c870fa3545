"""Front door: the citizen API under /api/v1 (mini-program and H5 page), and the H5 page
under /m/."""

from flask import Blueprint, Flask

bp = Blueprint("miniapp_api", __name__, url_prefix="/api/v1")
h5 = Blueprint("h5", __name__, url_prefix="/m")

from miniapp_api import (  # noqa: E402,F401
    h5_views,
    views,
    views_actions,
    views_me,
    views_messages,
    views_meta,
    views_wechat,
)


def init_app(app: Flask) -> None:
    """Register both blueprints and the ``flask citizen`` commands."""
    from miniapp_api.cli import citizen_cli

    app.register_blueprint(bp)
    app.register_blueprint(h5)
    app.cli.add_command(citizen_cli)
