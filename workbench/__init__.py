"""Front door: the staff API under /staff/api/v1 — intake, every step of the lifecycle,
reading orders, and the publisher's report endpoints."""

from flask import Blueprint, Flask

bp = Blueprint("workbench", __name__, url_prefix="/staff/api/v1")

from workbench import notifications, reports, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
