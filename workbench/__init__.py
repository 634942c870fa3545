"""The staff API under /staff/api/v1: intake and every step of the lifecycle."""

from flask import Blueprint

bp = Blueprint("workbench", __name__, url_prefix="/staff/api/v1")

from workbench import views  # noqa: E402,F401
